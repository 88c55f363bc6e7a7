package io.chorus.bus;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;

/**
 * Waits, once this node has joined its cluster, until Hazelcast says that every partition's backup is in sync with its
 * primary ({@code isClusterSafe}). Until then, what the members that joined or left moved (the rooms' history, their
 * sequence numbers, presence) may be held by one member only, and stopping that member loses it. A rolling restart
 * that stops the next node only once this one is ready (Kubernetes' rolling update, the HAProxy procedure in
 * deploy/haproxy) therefore never stops the last holder of a room's history.
 *
 * <p>Hazelcast answers by asking every member, so the question is asked on a worker thread, every 250 ms.
 */
public final class PartitionSync {

  private static final long POLL_MILLIS = 250;

  private PartitionSync() {
  }

  /**
   * Completes with true once the cluster is in sync, or with false after {@code maxWait}: a member that stays
   * unreachable must not keep the node out of service for good.
   */
  public static Future<Boolean> await(Vertx vertx, HazelcastInstance hazelcast, Duration maxWait) {
    Promise<Boolean> synced = Promise.promise();
    long deadline = System.nanoTime() + maxWait.toNanos();
    poll(vertx, hazelcast, deadline, synced);
    return synced.future();
  }

  private static void poll(Vertx vertx, HazelcastInstance hazelcast, long deadline, Promise<Boolean> synced) {
    vertx.executeBlocking(() -> hazelcast.getPartitionService().isClusterSafe(), false).onComplete(asked -> {
      if (asked.succeeded() && asked.result()) {
        synced.complete(true);
      } else if (System.nanoTime() - deadline >= 0 || !hazelcast.getLifecycleService().isRunning()) {
        synced.complete(false);
      } else {
        vertx.setTimer(POLL_MILLIS, timer -> poll(vertx, hazelcast, deadline, synced));
      }
    });
  }
}
