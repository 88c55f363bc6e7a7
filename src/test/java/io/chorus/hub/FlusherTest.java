package io.chorus.hub;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The flush task's pacing, on a clock the test moves: a flush of cost c is followed by c of other work. */
class FlusherTest {

  private static final long MS = 1_000_000;

  private long now = 1_000 * MS;
  private final List<Long> delays = new ArrayList<>();
  private final List<Runnable> tasks = new ArrayList<>();
  private final Flusher flusher = new Flusher((flush, delay) -> {
    tasks.add(flush);
    delays.add(delay);
  }, () -> now);

  @Test
  void aQuietLoopFlushesAtTheEndOfTheTurnAndEachConnectionOnce() {
    CostlyConnection a = new CostlyConnection(MS);
    flusher.written(a);
    flusher.written(a);

    assertThat(delays).containsExactly(0L);
    runTask();
    assertThat(a.flushes).isEqualTo(1);
  }

  @Test
  void aFlushThatTookFourMillisecondsHoldsTheNextOneForFourAfterItEnded() {
    CostlyConnection costly = new CostlyConnection(4 * MS);
    flusher.written(costly);
    runTask();

    now += MS;
    flusher.written(costly);
    assertThat(delays).containsExactly(0L, 3 * MS);

    now += 3 * MS;
    runTask();
    now += 10 * MS;
    flusher.written(costly);
    assertThat(delays.get(2)).as("the next message came after the pause: written at once").isZero();
  }

  @Test
  void thePacingNeverHoldsAFlushBackLongerThanItsBound() {
    CostlyConnection huge = new CostlyConnection(500 * MS);
    flusher.written(huge);
    runTask();

    flusher.written(huge);
    assertThat(delays.get(1)).isEqualTo(Flusher.MAX_PACING_NANOS);
  }

  @Test
  void aConnectionWrittenToDuringTheFlushIsFlushedInTheSamePass() {
    CostlyConnection late = new CostlyConnection(MS);
    CostlyConnection first = new CostlyConnection(MS) {
      @Override
      public void flush() {
        super.flush();
        flusher.written(late);
      }
    };
    flusher.written(first);
    runTask();

    assertThat(first.flushes).isEqualTo(1);
    assertThat(late.flushes).isEqualTo(1);
    assertThat(tasks).isEmpty();
  }

  private void runTask() {
    tasks.remove(0).run();
  }

  /** A connection whose flush takes {@code cost} of the test's clock. */
  private class CostlyConnection extends Connection {
    final long cost;
    int flushes;

    CostlyConnection(long cost) {
      this.cost = cost;
    }

    @Override
    public void flush() {
      flushes++;
      now += cost;
    }

    @Override
    public boolean send(Message message) {
      return true;
    }

    @Override
    public void skipped(String room, Position position) {
    }

    @Override
    public boolean writable() {
      return true;
    }

    @Override
    public void whenWritable(Runnable task) {
    }

    @Override
    public void close(CloseReason reason) {
    }
  }
}
