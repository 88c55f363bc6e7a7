package io.chorus.bus;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import com.hazelcast.map.LocalMapStats;
import io.chorus.config.Retention;
import io.chorus.hub.EpochClock;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The rooms' streams of a cluster: one entry per room in the Hazelcast map {@value #MAP}, on the member that owns the
 * room's partition, with one synchronous backup on another member. A publish is one {@link StreamAppend} on the
 * owner; what this node publishes to one room goes there one batch at a time: while a batch is in flight, the next
 * messages queue, and leave together in the next one. That keeps this node's messages of a room in number order
 * (Hazelcast answers calls in any order) and spends one round trip on many messages under load.
 *
 * <p>Answers to reads come on Hazelcast threads; the hubs hop back to their event loops themselves. Appends are
 * finished on one thread of this class: it broadcasts (from one thread, the event bus sends one room's messages to
 * the other nodes in the order it was given them) and sends the next batch. Finished on the thread that answered, a
 * batch for a partition this member owns would run the next one inline, nesting deeper with every batch under load.
 */
public final class HazelcastStreams implements Streams {

  static final String MAP = "chorus.streams";
  /** A batch's bounds: 64 messages, or 1 MiB of payload, so that one call never holds the owner's partition long. */
  private static final int MAX_BATCH_MESSAGES = 64;
  private static final int MAX_BATCH_BYTES = 1 << 20;
  /** The shortest time an idle stream keeps its position; see {@link #configure}. */
  private static final Duration MIN_IDLE_KEEP = Duration.ofHours(24);

  private final IMap<String, StoredStream> streams;
  private final int historySize;
  private final long ttlNanos;
  /** Per room with a batch in flight, the messages waiting for the next one. No entry: nothing in flight. */
  private final ConcurrentHashMap<String, ArrayDeque<Pending>> queues = new ConcurrentHashMap<>();
  /** This node, as the streams it publishes to know it, and its batches' ids. */
  private final String sender = Epochs.next();
  private final AtomicLong batches = new AtomicLong();
  private final Executor finisher = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "chorus-streams");
    thread.setDaemon(true);
    return thread;
  });

  public HazelcastStreams(HazelcastInstance hazelcast, Retention retention) {
    this.streams = hazelcast.getMap(MAP);
    this.historySize = retention.historySize();
    this.ttlNanos = retention.historyTtl().toNanos();
  }

  /**
   * Declares the streams' map and teaches Hazelcast their types; before the member starts. BINARY in memory, because
   * Hazelcast can bound the heap of a map only in that format, and knows its entries' cost only then.
   *
   * <p>An idle stream is forgotten after {@code max(history-ttl, 24 h)} without a read or a write: by then its
   * messages have all expired, so it holds only its position, but a room that speaks once an evening keeps its
   * epoch and its clients resume without a gap. A stream forgotten, evicted or lost starts again with a new epoch.
   */
  public static void configure(Config config, Retention retention, long maxHistoryBytes) {
    long idleSeconds = Math.max(retention.historyTtl().toSeconds(), MIN_IDLE_KEEP.toSeconds());
    config.addMapConfig(new MapConfig(MAP)
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.BINARY)
        .setMaxIdleSeconds((int) Math.min(Integer.MAX_VALUE, idleSeconds))
        .setMergePolicyConfig(new MergePolicyConfig().setPolicy(StreamMerge.class.getName()))
        .setEvictionConfig(new EvictionConfig()
            .setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.USED_HEAP_SIZE)
            .setSize(megabytes(maxHistoryBytes))));
    config.getSerializationConfig()
        .addDataSerializableFactory(StreamSerialization.FACTORY_ID, new StreamSerialization());
  }

  @Override
  public Future<Position> append(Envelope incoming, Consumer<Envelope> broadcast) {
    Pending pending = new Pending(incoming, broadcast, Promise.promise());
    boolean[] idle = {false};
    queues.compute(incoming.room(), (room, waiting) -> {
      if (waiting == null) {
        idle[0] = true;
        return new ArrayDeque<>();
      }
      waiting.addLast(pending);
      return waiting;
    });
    if (idle[0]) {
      send(incoming.room(), List.of(pending));
    }
    return pending.promise.future();
  }

  @Override
  public Future<Position> position(String room) {
    return read(room, new StreamRead(Epochs.next(), EpochClock.nanos(), ttlNanos, 0, 0, true))
        .map(StoredStream::position);
  }

  /**
   * Nothing to do: Hazelcast bounds the streams' map by memory and forgets the least recently used entries, and a
   * room with members is used by every publish and every join. Under memory pressure an idle room with members may
   * still be forgotten; its members then see a gap with the new epoch.
   */
  @Override
  public void hold(String room) {
  }

  /** Nothing to do; see {@link #hold}. An unused stream expires after {@code max(history-ttl, 24 h)}. */
  @Override
  public void release(String room) {
  }

  @Override
  public Future<History> read(String room, long afterSeq, int limit) {
    return read(room, new StreamRead(Epochs.next(), EpochClock.nanos(), ttlNanos, afterSeq, limit, false))
        .map(stream -> stream.history(room));
  }

  /** Streams whose primary copy this node holds. */
  public int ownedStreams() {
    return (int) stats().getOwnedEntryCount();
  }

  /** What those primary copies cost on this node's heap: keys, streams and Hazelcast's records. */
  public long ownedBytes() {
    return stats().getOwnedEntryMemoryCost();
  }

  private LocalMapStats stats() {
    return streams.getLocalMapStats();
  }

  private Future<StoredStream> read(String room, StreamRead reading) {
    Promise<StoredStream> read = Promise.promise();
    submit(room, reading).whenComplete((stream, failure) -> {
      if (failure == null) {
        read.complete(stream);
      } else {
        read.fail(failure);
      }
    });
    return read.future();
  }

  private void send(String room, List<Pending> batch) {
    List<Envelope> envelopes = new ArrayList<>(batch.size());
    batch.forEach(pending -> envelopes.add(pending.envelope));
    StreamAppend append = new StreamAppend(sender, batches.incrementAndGet(), Epochs.next(), EpochClock.nanos(),
        historySize, ttlNanos, envelopes);
    submit(room, append).whenCompleteAsync((head, failure) -> {
      try {
        numbered(batch, head, failure);
      } finally {
        sendNext(room);
      }
    }, finisher);
  }

  /** Hazelcast throws at once instead of failing the stage when the member is shutting down. */
  private CompletionStage<StoredStream> submit(String room,
      EntryProcessor<String, StoredStream, StoredStream> processor) {
    try {
      return streams.submitToKey(room, processor);
    } catch (RuntimeException notSent) {
      return CompletableFuture.failedFuture(notSent);
    }
  }

  /** Broadcasts the batch in number order and completes each publish; or fails them all. */
  private static void numbered(List<Pending> batch, StoredStream head, Throwable failure) {
    if (failure != null) {
      batch.forEach(pending -> pending.promise.fail(failure));
      return;
    }
    Position last = head.position();
    long seq = last.seq() - batch.size();
    for (Pending pending : batch) {
      Envelope numbered = pending.envelope.sequenced(last.epoch(), ++seq);
      try {
        pending.broadcast.accept(numbered);
        pending.promise.complete(new Position(last.epoch(), seq));
      } catch (RuntimeException notSent) {
        pending.promise.fail(notSent);
      }
    }
  }

  /** Sends what queued while the last batch was in flight, or notes that nothing is in flight any more. */
  private void sendNext(String room) {
    List<Pending> next = new ArrayList<>();
    queues.computeIfPresent(room, (key, waiting) -> {
      long bytes = 0;
      while (!waiting.isEmpty() && next.size() < MAX_BATCH_MESSAGES
          && (next.isEmpty() || bytes + waiting.peekFirst().envelope.payload().length <= MAX_BATCH_BYTES)) {
        Pending pending = waiting.removeFirst();
        bytes += pending.envelope.payload().length;
        next.add(pending);
      }
      return next.isEmpty() ? null : waiting;
    });
    if (!next.isEmpty()) {
      send(room, next);
    }
  }

  private static int megabytes(long bytes) {
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes >> 20));
  }

  private record Pending(Envelope envelope, Consumer<Envelope> broadcast, Promise<Position> promise) {
  }
}
