package io.chorus.metrics;

/** How a reload of the JWKS file of connection-token keys ended. */
public enum JwksReload {
  /** The file's keys verify tokens from now on. */
  RELOADED("reloaded"),
  /** The file could not be read, or is no usable JWKS: the keys read before still verify tokens. */
  FAILED("failed");

  private final String label;

  JwksReload(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
