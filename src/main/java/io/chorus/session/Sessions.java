package io.chorus.session;

import io.chorus.config.ChorusConfig;
import io.chorus.config.SlowConsumerPolicy;
import io.chorus.config.Timeouts;
import io.chorus.hub.CloseReason;
import io.chorus.hub.Hub;
import io.chorus.hub.Message;
import io.chorus.hub.Position;
import io.chorus.hub.Presence;
import io.chorus.hub.PresenceChange;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Where;
import io.chorus.security.RateLimit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * One event loop's sessions, whatever their transports: the heartbeat that pings them and closes the silent ones,
 * and their spread-out closing at shutdown. One per gateway, touched by its event loop only; sessions sit in an
 * array-backed list and leave it by swapping the last one into their slot.
 */
public final class Sessions {

  /** Spread-out closing at shutdown closes a batch of sessions on each tick of this length. */
  private static final long DRAIN_TICK_MILLIS = 50;
  /**
   * chorus.v1 frames that are not commands at all (not JSON, no known type): a client library with a bug sends a few;
   * ten at once, then one a second, is more than that, and the connection is closed.
   */
  private static final RateLimit BAD_COMMANDS = new RateLimit(1, 10);

  private final Hub hub;
  private final Presence presence;
  private final ChorusMetrics metrics;
  private final ScheduledExecutorService eventLoop;
  private final String welcomeText;
  private final Message welcome;
  /** Null when there is no rate limit. */
  private final RateLimit rateLimit;
  private final boolean disconnectSlowConsumers;
  private final long pingIntervalNanos;
  private final long idleTimeoutNanos;
  private final Authenticator authenticator;
  private final long connectTimeoutNanos;
  private final int maxRoomsPerConnection;
  private final int maxMessageSize;
  private final int historySize;
  private final long maxReplyBytes;
  private final List<Session> sessions = new ArrayList<>();
  private final List<LongConsumer> chores = new ArrayList<>(2);
  private long now = System.nanoTime();
  private long nowMillis = System.currentTimeMillis();
  private Promise<Void> allClosed;

  /**
   * @param presence      who is in each room: the sessions tell it when they join and leave, and hear from it
   * @param eventLoop     the gateway's event loop: the heartbeat and the drain run on it
   * @param authenticator this gateway's verifier of tokens
   */
  public Sessions(ChorusConfig config, Hub hub, Presence presence, ChorusMetrics metrics,
      ScheduledExecutorService eventLoop, Authenticator authenticator) {
    this.hub = hub;
    this.presence = presence;
    this.authenticator = authenticator;
    // A client that opened without its token has as long to send it as a request has to arrive.
    this.connectTimeoutNanos = config.timeouts().handshakeTimeout().toNanos();
    this.metrics = metrics;
    this.eventLoop = eventLoop;
    this.welcomeText = config.welcomeMessage();
    this.welcome = Message.constant(
        new JsonObject().put("type", "welcome").put("message", welcomeText).encode());
    this.maxRoomsPerConnection = config.limits().maxRoomsPerConnection();
    this.maxMessageSize = config.limits().maxMessageSize();
    this.historySize = config.retention().historySize();
    this.maxReplyBytes = config.limits().maxPendingOutput() / 2;
    this.rateLimit = config.limits().rateLimit() == 0
        ? null
        : new RateLimit(config.limits().rateLimit(), config.limits().rateLimitBurst());
    this.disconnectSlowConsumers = config.limits().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT;
    this.pingIntervalNanos = config.timeouts().pingInterval().toNanos();
    this.idleTimeoutNanos = config.timeouts().idleTimeout().toNanos();
    // The tick enforces pings here and request deadlines in the transports' chores.
    Duration pingInterval = config.timeouts().pingInterval();
    Duration handshakeTimeout = config.timeouts().handshakeTimeout();
    long tick = Timeouts.tick(pingInterval.compareTo(handshakeTimeout) < 0 ? pingInterval : handshakeTimeout).toMillis();
    eventLoop.scheduleAtFixedRate(() -> tick(System.nanoTime()), tick, tick, TimeUnit.MILLISECONDS);
    // Always a task of its own: a leave may be told while a broadcast of the same room is writing (a slow consumer
    // closed), and the room must not be walked again from inside that walk.
    presence.listen(change -> {
      try {
        eventLoop.execute(() -> tell(change));
      } catch (RejectedExecutionException shutDown) {
        // This loop is stopping: its clients are gone, none is left to tell.
      }
    });
  }

  /**
   * A transport accepted a client speaking {@code protocol} on a path that names {@code room} (null for none), with
   * what its token allows ({@code grant}; null: a chorus.v1 client that must still send connect): its session, which
   * starts once the transport calls start().
   */
  public Session open(Transport transport, Protocol protocol, String room, Grant grant) {
    // Plain mode joins its one room by itself; only chorus.v1 starts from a map of rooms.
    Map<String, Position> rooms = room == null || protocol == Protocol.PLAIN ? Map.of()
        : Collections.singletonMap(room, null);
    return register(new Session(this, transport, protocol, room, rooms,
        rateLimit == null ? null : rateLimit.newLimiter(), grant));
  }

  /**
   * A transport that only carries messages to its client (SSE) accepted it for {@code rooms}, in chorus.v1, each room
   * resumed from the position it maps to (null: fresh), for as long as {@code grant} lasts: its session, which starts
   * once the transport calls start().
   */
  public Session openStream(Transport transport, Map<String, Position> rooms, Grant grant) {
    return register(new Session(this, transport, Protocol.STRUCTURED, null, rooms, null, grant));
  }

  /** This gateway's verifier of tokens, and holder of the anonymous grant. */
  public Authenticator authenticator() {
    return authenticator;
  }

  private Session register(Session session) {
    session.slot = sessions.size();
    sessions.add(session);
    return session;
  }

  /** Runs {@code chore} with the time on every heartbeat tick, before the sessions' heartbeats. */
  public void everyTick(LongConsumer chore) {
    chores.add(chore);
  }

  /**
   * Closes every session of this event loop with 1001, spread evenly over {@code period} so that clients do not
   * all reconnect at once; completes when the last one is gone.
   */
  public Future<Void> drain(Duration period) {
    Promise<Void> drained = Promise.promise();
    eventLoop.execute(() -> {
      allClosed = drained;
      List<Session> closing = List.copyOf(sessions);
      long start = System.nanoTime();
      long periodNanos = Math.max(1, period.toNanos());
      int[] closed = {0};
      Runnable batch = () -> {
        long elapsed = System.nanoTime() - start;
        int due = (int) Math.min(closing.size(), Math.ceil(closing.size() * (double) elapsed / periodNanos));
        while (closed[0] < due) {
          closing.get(closed[0]++).close(CloseReason.GOING_AWAY);
        }
      };
      if (period.isZero() || closing.isEmpty()) {
        closing.forEach(session -> session.close(CloseReason.GOING_AWAY));
      } else {
        var timer = eventLoop.scheduleAtFixedRate(batch, 0, DRAIN_TICK_MILLIS, TimeUnit.MILLISECONDS);
        drained.future().onComplete(done -> timer.cancel(false));
      }
      completeIfAllClosed();
    });
    return drained.future();
  }

  /** The event loop's clock, read at its last heartbeat tick: cheap enough for every frame. */
  public long now() {
    return now;
  }

  /** The wall clock at the last heartbeat tick, for tokens' expiry times. */
  long nowMillis() {
    return nowMillis;
  }

  long connectTimeoutNanos() {
    return connectTimeoutNanos;
  }

  ChorusMetrics metrics() {
    return metrics;
  }

  Hub hub() {
    return hub;
  }

  Presence presence() {
    return presence;
  }

  Message welcome() {
    return welcome;
  }

  String welcomeText() {
    return welcomeText;
  }

  /** The largest message a client may send, in bytes: a chorus.v1 welcome tells it, so that a client can check first. */
  int maxMessageSize() {
    return maxMessageSize;
  }

  /** An id for a chorus.v1 client, for its logs and ours: 64 random bits, unique in practice across a cluster. */
  long newClientId() {
    return ThreadLocalRandom.current().nextLong();
  }

  RateLimit badCommandLimit() {
    return BAD_COMMANDS;
  }

  int maxRoomsPerConnection() {
    return maxRoomsPerConnection;
  }

  int historySize() {
    return historySize;
  }

  /**
   * Bytes of messages one reply may carry, as written: half of max-pending-output, so that a reply alone never makes
   * its client a slow consumer.
   */
  long maxReplyBytes() {
    return maxReplyBytes;
  }

  boolean disconnectsSlowConsumers() {
    return disconnectSlowConsumers;
  }

  long pingIntervalNanos() {
    return pingIntervalNanos;
  }

  long idleTimeoutNanos() {
    return idleTimeoutNanos;
  }

  void forget(Session session) {
    int slot = session.slot;
    if (slot < 0) {
      return;
    }
    Session last = sessions.remove(sessions.size() - 1);
    if (last != session) {
      sessions.set(slot, last);
      last.slot = slot;
    }
    session.slot = -1;
    completeIfAllClosed();
  }

  /** The heartbeat: a periodic task that Netty would silently stop scheduling if it ever threw. */
  void tick(long nanoTime) {
    try {
      now = nanoTime;
      nowMillis = System.currentTimeMillis();
      for (LongConsumer chore : chores) {
        chore.accept(now);
      }
      for (int i = sessions.size() - 1; i >= 0; i--) {
        sessions.get(i).heartbeat(now);
      }
    } catch (RuntimeException e) {
      metrics.failures().report(Where.SESSION, e);
    }
  }

  /** A join or leave in an announcing room: each chorus.v1 client of this loop in the room is told, once encoded. */
  private void tell(PresenceChange change) {
    String[] push = {null};
    hub.forEachMember(change.room(), connection -> {
      if (connection instanceof Session session && session.hearsPresence()) {
        if (push[0] == null) {
          push[0] = PresenceReply.change(change.joined(), change.room(), change.present());
        }
        if (session.sendText(push[0])) {
          session.flush();
        }
      }
    });
  }

  private void completeIfAllClosed() {
    if (allClosed != null && sessions.isEmpty()) {
      allClosed.tryComplete();
    }
  }
}
