package io.chorus.metrics;

/** How a reload of a file the node reads again while it runs (its TLS certificate, its JWKS file) ended. */
public enum Reload {
  /** The new contents are in use from now on. */
  RELOADED("reloaded"),
  /** The file could not be read, parsed or used: what was read before stays in use. */
  FAILED("failed");

  private final String label;

  Reload(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
