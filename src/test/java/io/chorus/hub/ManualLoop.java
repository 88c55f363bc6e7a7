package io.chorus.hub;

import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * An event loop for unit tests, run by the test's own thread: tasks wait until {@link #runPending()}, timers until
 * the test moves the clock with {@link #advance}.
 */
public final class ManualLoop extends AbstractScheduledEventExecutor {

  private final MockTicker ticker = Ticker.newMockTicker();
  private final Queue<Runnable> tasks = new ArrayDeque<>();

  @Override
  public Ticker ticker() {
    return ticker;
  }

  /** Runs the queued tasks and the timers that are due, and what they queue in turn. */
  public void runPending() {
    boolean ran = true;
    while (ran) {
      ran = false;
      Runnable task;
      while ((task = tasks.poll()) != null) {
        task.run();
        ran = true;
      }
      while ((task = pollScheduledTask()) != null) {
        task.run();
        ran = true;
      }
    }
  }

  /** Moves the clock and runs what came due. */
  public void advance(Duration time) {
    ticker.advance(time.toNanos(), TimeUnit.NANOSECONDS);
    runPending();
  }

  @Override
  public boolean inEventLoop(Thread thread) {
    return true;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
  }

  @Override
  public boolean isShuttingDown() {
    return false;
  }

  @Override
  public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
    throw new UnsupportedOperationException("a test loop is not shut down");
  }

  @Override
  public Future<?> terminationFuture() {
    throw new UnsupportedOperationException("a test loop is not shut down");
  }

  @Override
  @Deprecated
  public void shutdown() {
  }

  @Override
  public boolean isShutdown() {
    return false;
  }

  @Override
  public boolean isTerminated() {
    return false;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return false;
  }
}
