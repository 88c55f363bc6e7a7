package io.chorus.transport;

/**
 * A connection its {@link HttpConnectionGuard} times and may shed while it waits: for its TLS handshake
 * ({@link TlsHandshakes}) or for a request ({@link HttpRequests}).
 */
interface WaitingConnection {

  boolean isOpen();

  /** Its time ran out: it is refused or closed, and counted as its kind of wait requires. */
  void expire();

  /** Closed to make room for a newcomer while the port is over its TCP budget. */
  void shed();
}
