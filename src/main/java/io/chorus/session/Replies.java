package io.chorus.session;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.vertx.core.json.JsonObject;

/**
 * How one chorus.v1 session answers: a reply or push written and flushed at once, each reply counted by command and
 * outcome. Shared by the session's command handlers.
 */
final class Replies {

  private final Session session;
  private final ChorusMetrics metrics;

  Replies(Session session, ChorusMetrics metrics) {
    this.session = session;
    this.metrics = metrics;
  }

  void ok(Command command, JsonObject reply) {
    metrics.command(command, CommandOutcome.OK);
    send(reply);
  }

  /** {@code {"type":"error","code":…,"message":…}}, with the command's {@code id} when it had one. */
  void error(Object id, Command command, CommandOutcome outcome, String message) {
    metrics.command(command, outcome);
    send(reply(id, "error").put("code", outcome.label()).put("message", message));
  }

  void send(JsonObject reply) {
    send(reply.encode());
  }

  void send(String reply) {
    if (session.sendText(reply)) {
      session.flush();
    }
  }

  /** A reply of {@code type} to the command {@code id} (null: a push, which has none). */
  static JsonObject reply(Object id, String type) {
    JsonObject reply = new JsonObject();
    if (id != null) {
      reply.put("id", id);
    }
    return reply.put("type", type);
  }

  static JsonObject reply(Object id, String type, String room) {
    return reply(id, type).put("room", room);
  }
}
