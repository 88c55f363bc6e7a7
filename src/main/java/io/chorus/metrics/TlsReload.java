package io.chorus.metrics;

/** How a reload of the TLS certificate ended. */
public enum TlsReload {
  /** The new certificate is served to new connections. */
  RELOADED("reloaded"),
  /** The new files could not be read, parsed or used: the old certificate is still served. */
  FAILED("failed");

  private final String label;

  TlsReload(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
