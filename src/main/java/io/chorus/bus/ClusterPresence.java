package io.chorus.bus;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import io.chorus.hub.Attendance;
import io.chorus.hub.Present;
import io.chorus.hub.Presence;
import io.chorus.hub.PresenceChange;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Presence of a cluster: one entry per room with someone in it, in the Hazelcast map {@value #MAP} (one synchronous
 * backup), changed by a {@link PresenceEdit} on its owner per join and leave, read by any node in one call. Each
 * listed connection records the member it is connected to: when Hazelcast removes a member that vanished (after
 * hazelcast.max.no.heartbeat.seconds, 15 s, or at once when its connections reset), the oldest member left takes
 * the departed one's connections out of every room and announces their leaves. Joins and leaves of announcing rooms
 * are published on the event bus address {@value #ADDRESS}, which every node listens to.
 *
 * <p>A member that was only cut off (starved of CPU, or a network split, for longer than the heartbeat timeout) is
 * removed all the same, and its connections forgotten, though they are still open. When it finds the others again
 * and merges back (Hazelcast looks every 10 s), it lists them again: each node keeps its own connections' places.
 */
public final class ClusterPresence implements Presence, MembershipListener {

  static final String MAP = "chorus.presence";
  static final String ADDRESS = "chorus.presence";
  private static final Logger log = LoggerFactory.getLogger(ClusterPresence.class);
  /** A cluster in trouble fails every join and leave: one line a minute says so, not one per client. */
  private static final long WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final HazelcastInstance hazelcast;
  private final IMap<String, PresenceRoll> rolls;
  private final EventBus eventBus;
  private final Predicate<String> announces;
  /** This member's Hazelcast UUID, which a merge back into the cluster changes. */
  private volatile String member;
  /** This node's connections in presence, by room and client: what it lists again after a merge. */
  private final Map<String, Listing> here = new ConcurrentHashMap<>();
  private final List<Consumer<PresenceChange>> listeners = new CopyOnWriteArrayList<>();
  /**
   * Joins in flight, by room and client: the leave waits for its join, which it could otherwise overtake (Hazelcast
   * retries a call that met a partition migration), and the connection would stay listed.
   */
  private final Map<String, CompletionStage<PresenceRoll>> joining = new ConcurrentHashMap<>();
  private final AtomicLong lastWarningNanos = new AtomicLong();
  /** Forgetting a departed member blocks on every partition: never on Hazelcast's event thread. */
  private final Executor forgetter = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "chorus-presence");
    thread.setDaemon(true);
    return thread;
  });

  /** @param announces whether a room's joins and leaves are announced */
  public ClusterPresence(HazelcastInstance hazelcast, EventBus eventBus, Predicate<String> announces) {
    this.hazelcast = hazelcast;
    this.rolls = hazelcast.getMap(MAP);
    this.eventBus = eventBus;
    this.announces = announces;
    this.member = hazelcast.getCluster().getLocalMember().getUuid().toString();
    eventBus.<JsonObject>consumer(ADDRESS, message -> tell(message.body()));
    hazelcast.getCluster().addMembershipListener(this);
    hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        forgetter.execute(this::listAgain);
      }
    });
  }

  private record Listing(String room, Present present) {
  }

  /**
   * Declares the map, before the member starts: OBJECT in memory, so that an edit changes the roll in place instead
   * of reading and writing all of it; entries are bounded by the cap per room and exist only while a room is used.
   */
  public static void configure(Config config) {
    config.addMapConfig(new MapConfig(MAP)
        .setBackupCount(1)
        .setAsyncBackupCount(0)
        .setInMemoryFormat(InMemoryFormat.OBJECT));
  }

  @Override
  public void joined(String room, Present present) {
    String key = room + '\n' + present.client();
    here.put(key, new Listing(room, present));
    CompletionStage<PresenceRoll> join = edit(room, PresenceEdit.join(present, member));
    joining.put(key, join);
    join.whenComplete((done, failure) -> joining.remove(key, join));
    announce(new PresenceChange(true, room, present));
  }

  @Override
  public void left(String room, Present present) {
    here.remove(room + '\n' + present.client());
    CompletionStage<PresenceRoll> join = joining.get(room + '\n' + present.client());
    Runnable leave = () -> edit(room, PresenceEdit.leave(present, member));
    if (join == null) {
      leave.run();
    } else {
      join.whenComplete((done, failure) -> leave.run());
    }
    announce(new PresenceChange(false, room, present));
  }

  @Override
  public Future<Attendance> attendance(String room) {
    return Future.fromCompletionStage(rolls.getAsync(room))
        .map(roll -> roll == null ? Attendance.NOBODY : roll.attendance())
        .timeout(ClusterCensus.TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void listen(Consumer<PresenceChange> listener) {
    listeners.add(listener);
  }

  /** A member that joins brings no connections: they join rooms one by one. */
  @Override
  public void memberAdded(MembershipEvent event) {
  }

  @Override
  public void memberRemoved(MembershipEvent event) {
    String departed = event.getMember().getUuid().toString();
    forgetter.execute(() -> forget(departed));
  }

  /** Run by the oldest member alone, so that each leave is announced once. */
  private void forget(String departed) {
    try {
      Member oldest = hazelcast.getCluster().getMembers().iterator().next();
      if (!oldest.localMember()) {
        return;
      }
      Map<String, PresenceRoll> forgotten = rolls.executeOnEntries(PresenceEdit.forget(departed));
      int connections = 0;
      for (Map.Entry<String, PresenceRoll> room : forgotten.entrySet()) {
        if (room.getValue() != null) {
          for (Present present : room.getValue().presents()) {
            connections++;
            announce(new PresenceChange(false, room.getKey(), present));
          }
        }
      }
      log.info("Presence forgot {} listed connections of departed member {}", connections, departed);
    } catch (RuntimeException stopping) {
      log.warn("Presence could not forget the connections of departed member {}: {}", departed, stopping.toString());
    }
  }

  /**
   * This member merged back into the cluster, under a new UUID: the others forgot its connections when they removed
   * it, so it lists each again (a join of a connection still listed only updates its member) and announces its joins.
   * A connection that leaves meanwhile is taken out again once its join is done.
   */
  private void listAgain() {
    member = hazelcast.getCluster().getLocalMember().getUuid().toString();
    for (Map.Entry<String, Listing> entry : here.entrySet()) {
      Listing listing = entry.getValue();
      edit(listing.room(), PresenceEdit.join(listing.present(), member)).whenComplete((done, failure) -> {
        if (!here.containsKey(entry.getKey())) {
          edit(listing.room(), PresenceEdit.leave(listing.present(), member));
        }
      });
      announce(new PresenceChange(true, listing.room(), listing.present()));
    }
    log.info("Presence lists again the {} connections of this node, which merged back into the cluster", here.size());
  }

  private void announce(PresenceChange change) {
    if (announces.test(change.room())) {
      Present present = change.present();
      eventBus.publish(ADDRESS, new JsonObject()
          .put("joined", change.joined())
          .put("room", change.room())
          .put("client", present.client())
          .put("user", present.user())
          .put("info", present.info()));
    }
  }

  private void tell(JsonObject change) {
    Present present = new Present(change.getString("client"), change.getString("user"), change.getJsonObject("info"));
    PresenceChange told = new PresenceChange(change.getBoolean("joined"), change.getString("room"), present);
    listeners.forEach(listener -> listener.accept(told));
  }

  /** Sends the edit to the room's owner; a failure is said, not thrown at the session that joined or left. */
  private CompletionStage<PresenceRoll> edit(String room, PresenceEdit edit) {
    CompletionStage<PresenceRoll> done;
    try {
      done = rolls.submitToKey(room, edit);
    } catch (RuntimeException notSent) {
      // Hazelcast throws at once instead of failing the call when the member is shutting down.
      done = CompletableFuture.failedFuture(notSent);
    }
    done.whenComplete((result, failure) -> {
      long now = System.nanoTime();
      long last = lastWarningNanos.get();
      if (failure != null && (last == 0 || now - last > WARNING_INTERVAL_NANOS)
          && lastWarningNanos.compareAndSet(last, now)) {
        log.warn("Presence of room {} could not be updated (said once a minute at most): {}", room, failure.toString());
      }
    });
    return done;
  }
}
