package io.chorus.session;

/** Who a connection is: the token's subject and its optional info; both null for an anonymous client. */
public record Identity(String user, io.vertx.core.json.JsonObject info) {
  public static final Identity ANONYMOUS = new Identity(null, null);
}
