package io.chorus.hub;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Drop;
import io.chorus.metrics.Where;
import io.netty.buffer.ByteBufAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;

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

  private static final Logger log = LoggerFactory.getLogger(Hub.class);
  /** One warning a minute at most: an exhausted node would otherwise log once per message. */
  private static final long OUT_OF_MEMORY_WARNING_INTERVAL_NANOS = 60_000_000_000L;

  private final Broker broker;
  private final Flusher flusher;
  private final ByteBufAllocator allocator;
  private final ChorusMetrics metrics;
  private final Map<String, Room> rooms = new HashMap<>();
  private long lastOutOfMemoryWarning;

  /**
   * @param broker    carries envelopes between hubs
   * @param flushes   runs the flush task later on this hub's event loop: at the end of the current turn, or after
   *                  the write delay
   * @param allocator allocates the shared encodings of each message
   * @param metrics   records messages, deliveries, latency and rooms
   */
  public Hub(Broker broker, Executor flushes, ByteBufAllocator allocator, ChorusMetrics metrics) {
    this.broker = broker;
    this.flusher = new Flusher(flushes);
    this.allocator = allocator;
    this.metrics = metrics;
  }

  /**
   * Puts the connection in the room. It receives the room's messages once {@link Membership#ready()} has
   * completed; callbacks on that future run before any message reaches the connection.
   */
  public Membership join(String roomName, Connection connection) {
    Room room = rooms.get(roomName);
    if (room == null) {
      room = new Room(this, roomName);
      rooms.put(roomName, room);
      metrics.roomOpened(roomName);
      room.subscribe(broker);
    }
    Membership membership = new Membership(room, connection);
    room.admit(membership);
    return membership;
  }

  /** Publishes a message that a client of this node sent to a room. */
  public void publish(String room, byte[] payload, boolean binary) {
    metrics.received(payload.length);
    broker.publish(new Envelope(room, payload, binary, EpochClock.nanos()));
  }

  /** Rooms with at least one connection of this hub. */
  public int roomCount() {
    return rooms.size();
  }

  void broadcast(Room room, Envelope envelope) {
    if (room.isEmpty()) {
      return;
    }
    Message message = Message.of(envelope.payload(), envelope.binary(), allocator);
    int delivered;
    try {
      delivered = room.send(message);
    } catch (OutOfMemoryError noDirectMemory) {
      outOfMemory(room);
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
  private void outOfMemory(Room room) {
    metrics.dropped(Drop.OUT_OF_MEMORY, room.size());
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
