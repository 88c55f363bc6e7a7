package io.chorus.bus;

import io.chorus.hub.EpochClock;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import io.vertx.core.Future;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * The streams of a standalone node, in memory. Every event loop numbers its clients' messages here, under one lock:
 * a publish holds it for a counter increment and an append, far shorter than the fan-out it starts. Bounded three
 * ways: messages per room ({@code history-size}), age ({@code history-ttl}), and for the whole node both the number
 * of rooms ({@code max-history-rooms}: past it the least recently used room that no hub holds is forgotten) and the
 * bytes of the messages ({@code max-history-memory}, oldest messages of the least recently used rooms dropped first).
 * Only a publish or a hub's subscription makes a stream; reading an unknown room does not.
 */
public final class LocalStreams implements Streams {

  /** What a kept message costs besides its payload: the envelope, its array and its slot in the deque. */
  static final int MESSAGE_OVERHEAD_BYTES = 96;

  private final int historySize;
  private final long ttlNanos;
  private final int maxRooms;
  private final long maxBytes;
  /** Streams in the order they were last used, least recent first. Guarded by {@code this}. */
  private final LinkedHashMap<String, Stream> streams = new LinkedHashMap<>(64, 0.75f, true);
  private long heldBytes;

  /**
   * @param historySize messages kept per room; 0 keeps none
   * @param ttlNanos    how long a message is kept
   * @param maxRooms    streams kept at most
   * @param maxBytes    message bytes kept at most, over all rooms
   */
  public LocalStreams(int historySize, long ttlNanos, int maxRooms, long maxBytes) {
    this.historySize = historySize;
    this.ttlNanos = ttlNanos;
    this.maxRooms = maxRooms;
    this.maxBytes = maxBytes;
  }

  @Override
  public synchronized Future<Position> append(Envelope incoming, Consumer<Envelope> broadcast) {
    Stream stream = stream(incoming.room());
    Envelope numbered = incoming.sequenced(stream.epoch, ++stream.seq);
    if (historySize > 0) {
      long now = EpochClock.nanos();
      stream.expire(now);
      stream.add(numbered);
      if (heldBytes > maxBytes) {
        shed(now);
      }
    }
    // Under the lock, so that every hub's queue receives one room's messages in number order.
    broadcast.accept(numbered);
    return Future.succeededFuture(new Position(stream.epoch, stream.seq));
  }

  @Override
  public synchronized Future<Position> position(String room) {
    Stream stream = stream(room);
    return Future.succeededFuture(new Position(stream.epoch, stream.seq));
  }

  @Override
  public synchronized void hold(String room) {
    stream(room).holders++;
  }

  @Override
  public synchronized void release(String room) {
    Stream stream = streams.get(room);
    if (stream != null && --stream.holders == 0 && stream.seq == 0) {
      // Never published to: nothing to keep, and keeping it would let a client fill the node with empty rooms.
      streams.remove(room);
    }
  }

  @Override
  public synchronized Future<History> read(String room, long afterSeq, int limit) {
    Stream stream = streams.get(room);
    if (stream == null) {
      // Asking about a room makes no stream: nothing was published to it that this node still knows.
      return Future.succeededFuture(new History(new Position(Epochs.next(), 0), List.of()));
    }
    stream.expire(EpochClock.nanos());
    List<Envelope> found = new ArrayList<>();
    for (Envelope message : stream.messages) {
      if (message.seq() > afterSeq) {
        found.add(message);
      }
    }
    List<Envelope> newest = found.size() > limit ? found.subList(found.size() - limit, found.size()) : found;
    return Future.succeededFuture(new History(new Position(stream.epoch, stream.seq), List.copyOf(newest)));
  }

  /** Rooms whose stream this node keeps: their position, and any messages in history. */
  public synchronized int rooms() {
    return streams.size();
  }

  /** Payload bytes (with their overhead) held in history. */
  public synchronized long heldBytes() {
    return heldBytes;
  }

  private Stream stream(String room) {
    Stream stream = streams.get(room);
    if (stream == null) {
      stream = new Stream();
      streams.put(room, stream);
      if (streams.size() > maxRooms) {
        forgetLeastRecentlyUsed();
      }
    }
    return stream;
  }

  /**
   * Over max-history-rooms: forgets the least recently used stream that no hub holds. Held streams are never
   * forgotten (their members would see a new epoch), so their number, bounded by connections times
   * max-rooms-per-connection, may take the node past the bound.
   */
  private void forgetLeastRecentlyUsed() {
    Iterator<Stream> leastRecentFirst = streams.values().iterator();
    while (leastRecentFirst.hasNext()) {
      Stream stream = leastRecentFirst.next();
      if (stream.holders == 0) {
        heldBytes -= stream.bytes;
        leastRecentFirst.remove();
        return;
      }
    }
  }

  /** Over the memory bound: drops messages, oldest first, from the rooms used least recently. */
  private void shed(long now) {
    Iterator<Stream> leastRecentFirst = streams.values().iterator();
    while (heldBytes > maxBytes && leastRecentFirst.hasNext()) {
      Stream stream = leastRecentFirst.next();
      stream.expire(now);
      while (heldBytes > maxBytes && !stream.messages.isEmpty()) {
        stream.removeOldest();
      }
    }
  }

  private final class Stream {
    final String epoch = Epochs.next();
    final ArrayDeque<Envelope> messages = new ArrayDeque<>();
    /** Hubs of this node with members in the room. */
    int holders;
    long seq;
    long bytes;

    void add(Envelope message) {
      messages.addLast(message);
      long cost = cost(message);
      bytes += cost;
      heldBytes += cost;
      if (messages.size() > historySize) {
        removeOldest();
      }
    }

    void expire(long now) {
      while (!messages.isEmpty() && now - messages.peekFirst().ingressNanos() > ttlNanos) {
        removeOldest();
      }
    }

    void removeOldest() {
      long cost = cost(messages.removeFirst());
      bytes -= cost;
      heldBytes -= cost;
    }

    private long cost(Envelope message) {
      return message.payload().length + MESSAGE_OVERHEAD_BYTES;
    }
  }
}
