package io.chorus.session;

import io.chorus.hub.Attendance;
import io.chorus.hub.Position;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.vertx.core.json.JsonObject;

/**
 * chorus.v1's reading commands for one session, {@code history} and {@code presence}/{@code presence_stats}: each
 * reads from the node (its history, or its presence across the cluster) and answers on the session's event loop, with
 * a reply bounded by half of {@code max-pending-output}.
 */
final class Queries {

  private final Session session;
  private final Sessions sessions;
  private final Replies replies;

  Queries(Session session, Sessions sessions, Replies replies) {
    this.session = session;
    this.sessions = sessions;
    this.replies = replies;
  }

  /** {@code history}: the room's messages after {@code since}, at most {@code limit}, oldest first. */
  void history(Request request, String room) throws BadCommand {
    int historySize = sessions.historySize();
    if (historySize == 0) {
      throw request.bad(CommandOutcome.HISTORY_UNAVAILABLE, "history is off on this server");
    }
    Position since = request.since();
    int limit = request.limit(historySize);
    session.onLoop(session.hub().history(room, 0, Integer.MAX_VALUE)).onComplete(read -> {
      if (!session.isServing()) {
        return;
      }
      if (read.failed()) {
        replies.error(request.id(), Command.HISTORY, CommandOutcome.UNAVAILABLE,
            "history cannot be read now; try again");
        return;
      }
      sessions.metrics().command(Command.HISTORY, CommandOutcome.OK);
      replies.send(HistoryReply.render(request.id(), room, read.result(), since, limit, sessions.maxReplyBytes()));
    });
  }

  /**
   * Who is in the room ({@code presence}) or how many ({@code presence_stats}): shown to the room's subscribers, as
   * its messages are.
   */
  void presence(Object id, Command command, String room, boolean subscribed) {
    if (!subscribed) {
      replies.error(id, command, CommandOutcome.NOT_SUBSCRIBED,
          "presence is shown to the room's subscribers: subscribe to " + room + " first");
      return;
    }
    session.onLoop(sessions.presence().attendance(room)).onComplete(read -> {
      if (!session.isServing()) {
        return;
      }
      if (read.failed()) {
        replies.error(id, command, CommandOutcome.UNAVAILABLE, "presence cannot be read now; try again");
        return;
      }
      Attendance attendance = read.result();
      JsonObject reply = Replies.reply(id, command.label(), room);
      if (command == Command.PRESENCE) {
        PresenceReply.list(attendance, reply, sessions.maxReplyBytes());
      } else {
        reply.put("connections", attendance.connections()).put("users", attendance.users());
      }
      replies.ok(command, reply);
    });
  }
}
