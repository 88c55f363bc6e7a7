package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.chorus.session.Authenticator;
import io.chorus.session.Grant;
import io.chorus.session.Poll;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Long polling for the clients that can neither keep a WebSocket nor read a stream: {@code GET /poll/{room}} with
 * {@code ?since=<epoch>:<seq>} answers with the messages after that position, at once when there are some, else as
 * soon as some come ({@link Poll}), or with none after {@code poll-timeout}; each answer carries the position to send
 * as the next {@code since}. A Vert.x route, so that a keep-alive connection carries one poll after another, checked
 * and answered as the HTTP API is ({@link ApiGate}). A held poll takes a {@code max-connections} slot, as a WebSocket
 * does, until it is answered or its client goes away. One per gateway, touched by its event loop only.
 */
public final class PollEndpoint {

  static final String PREFIX = "/poll/";
  private static final String METHODS = "GET, HEAD, OPTIONS";

  private final Hub hub;
  private final ApiGate gate;
  private final ConnectionLimit connectionLimit;
  private final Authenticator authenticator;
  private final ChorusMetrics metrics;
  private final ScheduledExecutorService eventLoop;
  private final long timeoutNanos;
  private final long maxAnswerBytes;
  private final Set<Held> held = new HashSet<>();

  /** One poll held open: its slot is given back once, whether it is answered or its client leaves first. */
  private final class Held {
    final HttpServerRequest request;
    Poll poll;
    ScheduledFuture<?> deadline;
    boolean released;

    Held(HttpServerRequest request) {
      this.request = request;
    }

    /** Gives back the slot; false when it was given back already. */
    boolean release() {
      if (released) {
        return false;
      }
      released = true;
      held.remove(this);
      if (deadline != null) {
        deadline.cancel(false);
      }
      connectionLimit.closeWebSocket();
      metrics.pollReleased();
      return true;
    }
  }

  /**
   * @param authenticator verifies the poll's token, as for a WebSocket
   * @param eventLoop     the gateway's event loop: deadlines and deferred answers run on it
   */
  public PollEndpoint(ChorusConfig config, Hub hub, ApiGate gate, ConnectionLimit connectionLimit,
      Authenticator authenticator, ChorusMetrics metrics, ScheduledExecutorService eventLoop) {
    this.hub = hub;
    this.authenticator = authenticator;
    this.gate = gate;
    this.connectionLimit = connectionLimit;
    this.metrics = metrics;
    this.eventLoop = eventLoop;
    this.timeoutNanos = config.timeouts().pollTimeout().toNanos();
    // As for a history reply: half of max-pending-output, which a WebSocket client's reply may not exceed either.
    this.maxAnswerBytes = config.limits().maxPendingOutput() / 2;
  }

  /** Every request under {@code /poll/}, whatever its method. */
  public void handle(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    String path = request.path();
    String room = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "";
    if (!RoomName.isValid(room)) {
      gate.problem(request, Problem.INVALID_ROOM,
          "Poll /poll/{room}: a room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (gate.admits(request, METHODS)) {
      Admission.check(authenticator, request.params().getAll("token"), request.getHeader(HttpHeaders.AUTHORIZATION),
          List.of(room), false).onComplete(admission -> admitted(request, room, admission.result()));
    }
  }

  private void admitted(HttpServerRequest request, String room, Admission.Verdict admission) {
    if (request.response().closed()) {
      return;
    }
    if (admission instanceof HandshakeRefusal refused) {
      if (refused.header() != null) {
        request.response().putHeader(refused.header(), refused.value());
      }
      gate.problem(request, refused.outcome() == Handshake.FORBIDDEN ? Problem.FORBIDDEN : Problem.UNAUTHORIZED,
          refused.reason());
    } else {
      poll(request, room, ((Admission.Admitted) admission).grant());
    }
  }

  /**
   * Answers every held poll now, with what it has: the node drains, and its clients poll again elsewhere (this node
   * answers them 503 {@code draining} meanwhile). Runs on the event loop.
   */
  public void drain() {
    List<Held> answering = new ArrayList<>(held);
    answering.forEach(waiting -> waiting.poll.end());
  }

  private void poll(HttpServerRequest request, String room, Grant grant) {
    Position since;
    try {
      since = since(request.params().getAll("since"));
    } catch (IllegalArgumentException bad) {
      gate.problem(request, Problem.BAD_SINCE, "since is one <epoch>:<seq>, as a poll's answer gives it: "
          + bad.getMessage());
      return;
    }
    if (!connectionLimit.tryOpenWebSocket()) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, UpgradePolicy.RETRY_FULL_AFTER_SECONDS);
      gate.problem(request, Problem.NODE_FULL, "Server is full: try again later or another node");
      return;
    }
    metrics.pollHeld();
    Held waiting = new Held(request);
    held.add(waiting);
    waiting.poll = Poll.start(hub, room, since, maxAnswerBytes, eventLoop, outcome -> answer(waiting, outcome));
    if (!waiting.released) {
      // A poll is answered by the time its token expires: the next one, with the same token, is refused.
      long untilExpiry = TimeUnit.MILLISECONDS.toNanos(
          Math.max(0, grant.expiresAtMillis() - System.currentTimeMillis()));
      waiting.deadline = eventLoop.schedule(waiting.poll::end, Math.min(timeoutNanos, untilExpiry),
          TimeUnit.NANOSECONDS);
      request.response().closeHandler(gone -> {
        if (waiting.release()) {
          waiting.poll.cancel();
        }
      });
    }
  }

  private void answer(Held waiting, Poll.Outcome outcome) {
    if (!waiting.release()) {
      return;
    }
    if (outcome instanceof Poll.Answer answer) {
      gate.json(waiting.request, 200, answer.json());
    } else {
      gate.problem(waiting.request, Problem.UNAVAILABLE, "The room cannot be read now: try again");
    }
  }

  /** The position in {@code ?since=}: absent for a poll from now on, else exactly one. */
  private static Position since(List<String> values) {
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw new IllegalArgumentException("it was given " + values.size() + " times");
    }
    return SseEventId.position(values.get(0));
  }
}
