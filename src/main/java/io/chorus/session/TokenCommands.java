package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.vertx.core.json.JsonObject;

/**
 * chorus.v1's token commands for one session: {@code connect}, which authenticates a connection opened without a
 * token, and {@code refresh}, which replaces its token before it expires; and the {@code refresh} push that asks for
 * one. What a grant changes about the session's rooms stays with {@link Commands}, which passes it in as callbacks.
 */
final class TokenCommands {

  private final Session session;
  private final Sessions sessions;
  private final Replies replies;

  TokenCommands(Session session, Sessions sessions, Replies replies) {
    this.session = session;
    this.sessions = sessions;
    this.replies = replies;
  }

  /** Asks the client for a fresh token: {@code {"type":"refresh","expires_in":<seconds>}}. */
  void askRefresh(long millisLeft) {
    replies.send(new JsonObject().put("type", "refresh").put("expires_in", Math.max(0, millisLeft / 1000)));
  }

  /**
   * Authenticates a connection, as its first command: {@code {"type":"connect","token":"…"}}, or without a token to
   * be anonymous where that is allowed. A token that does not verify closes the connection with 4501 after the error
   * reply: a browser learns nothing of a refused WebSocket handshake, but it reads this close code. Commands that come
   * while the token is being checked are unauthorized, as before it.
   *
   * @param granted runs once the connection has its grant, after the reply
   */
  void connect(Request request, Runnable granted) throws BadCommand {
    String token = request.token(false);
    Authenticator authenticator = sessions.authenticator();
    if (token != null) {
      authenticator.check(token).onComplete(checked -> connected(request.id(), checked.result(), granted));
    } else if (authenticator.anonymous() != null) {
      connected(request.id(), new Authenticator.Granted(authenticator.anonymous()), granted);
    } else {
      connected(request.id(), new Authenticator.Refused("a token is required"), granted);
    }
  }

  private void connected(Object id, Authenticator.Verdict verdict, Runnable granted) {
    if (!session.isServing()) {
      return;
    }
    if (verdict instanceof Authenticator.Refused refused) {
      replies.error(id, Command.CONNECT, CommandOutcome.UNAUTHORIZED, refused.reason());
      session.close(CloseReason.UNAUTHORIZED);
      return;
    }
    Grant grant = ((Authenticator.Granted) verdict).grant();
    session.grant(grant);
    JsonObject reply = Replies.reply(id, "connected").put("user", grant.identity().user());
    if (grant.identity().info() != null) {
      reply.put("info", grant.identity().info());
    }
    if (grant.expiresAtMillis() != Long.MAX_VALUE) {
      reply.put("expires_in", secondsLeft(grant));
    }
    replies.ok(Command.CONNECT, reply);
    granted.run();
  }

  /**
   * Replaces the connection's token before it expires: {@code {"type":"refresh","token":"…"}}, for the same
   * {@code sub}. A refused refresh leaves the connection as it was, to be closed when the old token expires. The new
   * token's permissions apply at once.
   *
   * @param regranted runs with the new grant in force, before the reply: it leaves the rooms the token no longer
   *                  allows
   */
  void refresh(Request request, Runnable regranted) throws BadCommand {
    String token = request.token(true);
    Grant current = session.grant();
    if (current == null || !current.authenticated()) {
      throw request.bad(CommandOutcome.BAD_REQUEST, "only a connection with a token refreshes it; send connect");
    }
    Object id = request.id();
    sessions.authenticator().check(token).onComplete(checked -> {
      if (!session.isServing()) {
        return;
      }
      if (checked.result() instanceof Authenticator.Refused refused) {
        replies.error(id, Command.REFRESH, CommandOutcome.UNAUTHORIZED, refused.reason());
        return;
      }
      Grant fresh = ((Authenticator.Granted) checked.result()).grant();
      if (!fresh.identity().user().equals(current.identity().user())) {
        replies.error(id, Command.REFRESH, CommandOutcome.UNAUTHORIZED, "the new token is for another sub");
        return;
      }
      session.grant(fresh);
      regranted.run();
      replies.ok(Command.REFRESH, Replies.reply(id, "refreshed").put("expires_in", secondsLeft(fresh)));
    });
  }

  private long secondsLeft(Grant grant) {
    return Math.max(0, (grant.expiresAtMillis() - sessions.nowMillis()) / 1000);
  }
}
