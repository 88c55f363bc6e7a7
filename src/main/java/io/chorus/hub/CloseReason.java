package io.chorus.hub;

/**
 * Why the server closes a connection: the RFC 6455 status code and the short reason the client sees. Code 1001
 * invites the client to reconnect (to another node); 1008 means it broke a policy (sending too fast, reading too
 * slowly, pinging too often) and should back off before reconnecting; 1002, 1007 and 1009 mean it sent something
 * it must not send again; 1011 is the server's fault; 1013 asks the client to reconnect later, to a less loaded node.
 * Application codes split as Centrifugo's do: 4000-4499 mean "get a fresh token and reconnect", 4500-4999 "do not
 * reconnect as you are" (the credentials are wrong, and retrying them would only repeat the refusal).
 */
public enum CloseReason {
  GOING_AWAY(1001, "server shutting down"),
  /** Nothing, not even a pong, came from the client for the idle timeout: presumed gone, so free to reconnect. */
  IDLE_TIMEOUT(1001, "idle timeout"),
  PROTOCOL_ERROR(1002, "protocol error"),
  INVALID_PAYLOAD(1007, "invalid UTF-8"),
  RATE_LIMITED(1008, "rate limit exceeded"),
  SLOW_CONSUMER(1008, "slow consumer"),
  /** Pings and pongs past the per-connection control-frame budget: no client library needs that many. */
  CONTROL_FLOOD(1008, "too many control frames"),
  /** A message begun and not finished within the idle timeout: its beginning would otherwise be held forever. */
  INCOMPLETE_MESSAGE(1008, "message not completed in time"),
  /** chorus.v1 commands that are not JSON or name no known type, more than a client that means well ever sends. */
  BAD_COMMANDS(1008, "too many bad commands"),
  /** A plain client published in a room its token does not let it publish in: what it sends next would be too. */
  FORBIDDEN(1008, "forbidden"),
  MESSAGE_TOO_BIG(1009, "message too big"),
  INTERNAL_ERROR(1011, "internal error"),
  /** The node holds as much incomplete client input as it can afford; this connection held its share longest. */
  OVERLOADED(1013, "try again later"),
  /** The token's exp passed (plus the leeway) and no refresh came: get a fresh token and reconnect. */
  TOKEN_EXPIRED(4001, "token expired"),
  /** A chorus.v1 connection opened without a token sent no connect within the handshake timeout. */
  CONNECT_TIMEOUT(4002, "no connect in time"),
  /** The token of a connect is missing, invalid or expired: reconnecting with it would be refused again. */
  UNAUTHORIZED(4501, "unauthorized");

  private final int code;
  private final String text;

  CloseReason(int code, String text) {
    this.code = code;
    this.text = text;
  }

  public int code() {
    return code;
  }

  public String text() {
    return text;
  }
}
