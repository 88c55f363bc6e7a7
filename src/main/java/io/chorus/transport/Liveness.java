package io.chorus.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether this node still makes progress: each gateway's heartbeat records when its event loop last ran it, and a
 * loop that has not run it for {@link #STALL_BOUND} is stuck (a task that blocks, an allocation that waits for
 * memory). Such a node still answers on its other loops but serves nobody on the stuck one, so only failing the
 * liveness probe gets it restarted. Shared by every gateway; written by their loops, read by {@code /health/live}.
 */
public final class Liveness {

  /**
   * Five heartbeat ticks at their slowest (one a second) and longer than any garbage collection pause a healthy
   * node has; Kubernetes restarts the pod only after several failed probes on top of it.
   */
  public static final Duration STALL_BOUND = Duration.ofSeconds(5);

  private final List<Heartbeat> heartbeats = new CopyOnWriteArrayList<>();

  /** One event loop's heartbeat: its loop calls {@link #ticked} on every tick. */
  public static final class Heartbeat {
    private volatile long lastTickNanos = System.nanoTime();

    public void ticked(long nowNanos) {
      lastTickNanos = nowNanos;
    }
  }

  public Heartbeat register() {
    Heartbeat heartbeat = new Heartbeat();
    heartbeats.add(heartbeat);
    return heartbeat;
  }

  /** The longest time any event loop has gone without its heartbeat tick, as of now. */
  public Duration longestStall() {
    long now = System.nanoTime();
    long longest = 0;
    for (Heartbeat heartbeat : heartbeats) {
      longest = Math.max(longest, now - heartbeat.lastTickNanos);
    }
    return Duration.ofNanos(longest);
  }
}
