package io.chorus.bus;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.ExecutorConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MultiExecutionCallback;
import io.chorus.hub.Census;
import io.chorus.hub.Hub;
import io.chorus.hub.LocalCensus;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The count of a cluster: a {@link CensusTask} runs on every member at once, on Hazelcast's executor {@value #EXECUTOR},
 * and reads that member's {@link LocalCensus} from the member's user context; the answers are summed. Every node
 * must answer within {@link #TIMEOUT_MILLIS}, or the count fails: a sum without a node's share would look right and
 * be wrong, so the API answers 503 instead and the caller asks again.
 */
public final class ClusterCensus implements Census {

  /** The key of this member's {@link LocalCensus} in its Hazelcast user context. */
  static final String CONTEXT_KEY = "chorus.census";
  static final String EXECUTOR = "chorus.census";
  /**
   * A member answers within a round trip and a map lookup per event loop (microseconds) unless it is starved or gone;
   * Hazelcast notices a member that stopped answering heartbeats only after 15 s, far too long to hold a request.
   */
  static final long TIMEOUT_MILLIS = 2_000;
  /**
   * Counts queued on one member beyond this are refused at once: each takes microseconds, so a thousand waiting
   * means the member is stuck, and more would only pile up behind it.
   */
  private static final int MAX_QUEUED = 1_000;

  private final LocalCensus local = new LocalCensus();
  private final IExecutorService executor;

  /** Puts this node's own count where the tasks of every member find it. */
  public ClusterCensus(HazelcastInstance hazelcast) {
    hazelcast.getUserContext().put(CONTEXT_KEY, local);
    this.executor = hazelcast.getExecutorService(EXECUTOR);
  }

  /** Declares the census's executor: two threads per member, a bounded queue; before the member starts. */
  public static void configure(Config config) {
    config.addExecutorConfig(new ExecutorConfig(EXECUTOR)
        .setPoolSize(2)
        .setQueueCapacity(MAX_QUEUED)
        .setStatisticsEnabled(false));
  }

  @Override
  public void add(Hub hub) {
    local.add(hub);
  }

  @Override
  public Future<Integer> subscribers(String room) {
    Promise<Integer> counted = Promise.promise();
    try {
      executor.submitToAllMembers(new CensusTask(room), new MultiExecutionCallback() {
        @Override
        public void onResponse(Member member, Object value) {
          if (value instanceof Throwable failure) {
            counted.tryFail(failure);
          }
        }

        @Override
        public void onComplete(Map<Member, Object> values) {
          int sum = 0;
          for (Object value : values.values()) {
            if (!(value instanceof Integer count)) {
              counted.tryFail(new IllegalStateException("a member answered " + value));
              return;
            }
            sum += count;
          }
          counted.tryComplete(sum);
        }
      });
    } catch (RuntimeException notSent) {
      // Hazelcast throws at once instead of failing the call when the member is shutting down.
      counted.tryFail(notSent);
    }
    return counted.future().timeout(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }
}
