package io.chorus.hub;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Drop;
import io.chorus.metrics.Where;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One event loop's rooms and the connections in them. Touched by that loop's thread only, so it holds plain maps
 * and arrays and no locks. It subscribes to a room on the {@link Broker} when the room's first local connection
 * joins and cancels when the last one leaves: one subscription per (hub, room), never one per connection.
 *
 * <p>Fan-out hands each envelope to every member as one {@link Message}, which each connection asks for in its own
 * {@link Encoding} (encoded once per encoding, shared by all), without flushing; the {@link Flusher} then flushes
 * every connection written to, once.
 */
public final class Hub {

  /**
   * How long a room holds messages that came ahead of a missing one before reading it from history. Messages
   * published on different nodes overtake each other by well under a millisecond on a healthy network.
   */
  static final long GAP_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final Logger log = LoggerFactory.getLogger(Hub.class);
  /** One warning a minute at most: an exhausted node would otherwise log once per message. */
  private static final long OUT_OF_MEMORY_WARNING_INTERVAL_NANOS = 60_000_000_000L;

  private final Broker broker;
  private final EventExecutor eventLoop;
  private final Flusher flusher;
  private final ByteBufAllocator allocator;
  private final ChorusMetrics metrics;
  private final boolean keepsHistory;
  private final int maxBacklog;
  /**
   * Written by this hub's event loop only; concurrent so that {@link #subscribers} may read it from any thread (a
   * count for the HTTP API, asked on another event loop or by another node) without a hop to this loop.
   */
  private final Map<String, Room> rooms = new ConcurrentHashMap<>();
  private long lastOutOfMemoryWarning;

  /**
   * @param broker       numbers, keeps and carries envelopes between hubs
   * @param eventLoop    this hub's event loop: the broker's answers and the rooms' timers run on it
   * @param flushTiming  when the flush task runs on this hub's event loop: at the end of the current turn, or after
   *                     the write delay
   * @param allocator    allocates the shared encodings of each message
   * @param metrics      records messages, deliveries, latency and rooms
   * @param historySize  messages the broker keeps per room; 0 when history is off
   */
  public Hub(Broker broker, EventExecutor eventLoop, FlushTiming flushTiming, ByteBufAllocator allocator,
      ChorusMetrics metrics, int historySize) {
    this.broker = broker;
    this.eventLoop = eventLoop;
    this.flusher = new Flusher(flushTiming);
    this.allocator = allocator;
    this.metrics = metrics;
    this.keepsHistory = historySize > 0;
    // A member coming back reads at most a history's worth; what comes live meanwhile is bounded alike, generously.
    this.maxBacklog = Math.max(1_000, 10 * historySize);
  }

  /**
   * Puts the connection in the room, fresh ({@code since} null) or coming back to the position it last had. It
   * receives the room's messages once it has joined; {@code onJoined} is told so (or that it failed), once, before
   * any message of the room reaches the connection (the missed ones included), possibly before this returns.
   */
  public Membership join(String roomName, Connection connection, Position since,
      Handler<AsyncResult<Joined>> onJoined) {
    Room room = rooms.get(roomName);
    boolean opened = room == null;
    if (opened) {
      room = new Room(this, roomName);
      rooms.put(roomName, room);
      metrics.roomOpened(roomName);
    }
    Membership membership = new Membership(room, connection, since, onJoined);
    room.admit(membership);
    // After the first member waits in the room: a broker that fails at once must find someone to tell.
    if (opened) {
      room.subscribe(broker);
    }
    return membership;
  }

  /**
   * Publishes a message that a client of this node sent; completes, possibly on another thread, with its position
   * once the room's stream has numbered it.
   */
  public Future<Position> publish(Envelope incoming) {
    metrics.received(incoming.payload().length);
    return broker.publish(incoming);
  }

  /** The room's position now; may complete on another thread. */
  public Future<Position> position(String room) {
    return broker.position(room);
  }

  /** What the room's history holds after {@code afterSeq}, the newest {@code limit}; may complete on another thread. */
  public Future<History> history(String room, long afterSeq, int limit) {
    return broker.history(room, afterSeq, limit);
  }

  /** Runs the task on this hub's event loop: now when called on it, else as soon as the loop gets to it. */
  public void onLoop(Runnable task) {
    if (eventLoop.inEventLoop()) {
      task.run();
    } else {
      eventLoop.execute(task);
    }
  }

  /**
   * Connections of this hub that have joined the room (their join was answered), whatever carries them; callable
   * from any thread, and a moment behind this loop when called from another.
   */
  public int subscribers(String room) {
    Room found = rooms.get(room);
    return found == null ? 0 : found.subscribers();
  }

  /**
   * Hands each connection of this hub that has joined the room to {@code action}: for a notice meant for each of
   * them, not a message of the room. On this hub's event loop; a connection closed meanwhile leaves after the loop.
   */
  public void forEachMember(String room, Consumer<Connection> action) {
    Room found = rooms.get(room);
    if (found != null) {
      found.forEach(action);
    }
  }

  /** Rooms with at least one connection of this hub. */
  public int roomCount() {
    return rooms.size();
  }

  Broker broker() {
    return broker;
  }

  boolean keepsHistory() {
    return keepsHistory;
  }

  int maxBacklog() {
    return maxBacklog;
  }

  void schedule(Runnable task, long delayMillis) {
    eventLoop.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
  }

  void scheduleNanos(Runnable task, long delayNanos) {
    eventLoop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }

  void broadcast(Room room, Envelope envelope) {
    if (room.isEmpty()) {
      return;
    }
    flusher.broadcast();
    Message message = Message.of(envelope, allocator);
    int delivered;
    try {
      delivered = room.send(message);
    } catch (OutOfMemoryError noDirectMemory) {
      outOfMemory(room.size());
      room.tellSkipped(new Position(envelope.epoch(), envelope.seq()));
      return;
    } catch (RuntimeException bug) {
      metrics.failures().report(Where.HUB, bug);
      return;
    } finally {
      message.release();
    }
    metrics.delivered(delivered, (long) delivered * envelope.payload().length);
    metrics.deliveryLatency(EpochClock.nanos() - envelope.ingressNanos());
  }

  /** Sends one message to one connection: a message it missed, read from history, or held while it caught up. */
  void sendTo(Connection connection, Envelope envelope) {
    Message message = Message.of(envelope, allocator);
    try {
      if (connection.send(message)) {
        written(connection);
        metrics.delivered(1, envelope.payload().length);
      }
    } catch (OutOfMemoryError noDirectMemory) {
      outOfMemory(1);
    } finally {
      message.release();
    }
  }

  /** The connection took a message: it is flushed once with the next flush task, whatever else it takes before. */
  void written(Connection connection) {
    flusher.written(connection);
  }

  /**
   * Direct memory is exhausted (Netty's limit, io.netty.maxDirectMemory, fails an allocation at once instead of
   * waiting for a garbage collection) while the first connection asked for the message's encoding: this event loop
   * skips the message for the whole room rather than stall or throw, and goes on.
   * Memory comes back as slow connections are closed or drain.
   */
  private void outOfMemory(int connections) {
    metrics.dropped(Drop.OUT_OF_MEMORY, connections);
    long now = System.nanoTime();
    if (lastOutOfMemoryWarning == 0 || now - lastOutOfMemoryWarning > OUT_OF_MEMORY_WARNING_INTERVAL_NANOS) {
      lastOutOfMemoryWarning = now;
      log.warn("Out of direct memory: broadcasts are dropped on this event loop (counted as out_of_memory drops)");
    }
  }

  void forget(Room room) {
    if (rooms.remove(room.name, room)) {
      metrics.roomClosed(room.name);
    }
  }
}
