package io.chorus.transport;

import io.chorus.metrics.Handshake;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A WebSocket upgrade, SSE request or token refused before the connection opens: answer {@code status} with a one-line
 * reason (and one extra header when named), then close; counted as {@code outcome}. One type for all three, so that a
 * token's refusal passes through the upgrade and SSE checks as it is.
 */
record HandshakeRefusal(Handshake outcome, HttpResponseStatus status, String reason, CharSequence header, String value)
    implements UpgradePolicy.Verdict, SseEndpoint.Verdict, Admission.Verdict {

  HandshakeRefusal(Handshake outcome, HttpResponseStatus status, String reason) {
    this(outcome, status, reason, null, null);
  }
}
