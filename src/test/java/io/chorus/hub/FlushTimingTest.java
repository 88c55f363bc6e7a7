package io.chorus.hub;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class FlushTimingTest {

  private static final Duration DELAY = Duration.ofMillis(1);

  private final ManualLoop loop = new ManualLoop();
  private final FlushTiming timing = FlushTiming.of(loop, DELAY);
  private int flushed;

  @Test
  void rareBroadcastsAreFlushedAtTheEndOfTheTurn() {
    for (int i = 0; i < 20; i++) {
      loop.advance(DELAY.multipliedBy(10));
      assertThat(waits()).as("broadcast %d, 10 delays after the one before", i).isFalse();
    }
  }

  @Test
  void frequentBroadcastsWaitTheDelaySoThatLaterOnesShareTheFlush() {
    broadcastEvery(DELAY.dividedBy(2), 20);

    timing.broadcast();
    timing.schedule(() -> flushed++);
    loop.runPending();
    assertThat(flushed).isZero();
    loop.advance(DELAY.minusNanos(1));
    assertThat(flushed).isZero();
    loop.advance(Duration.ofNanos(1));
    assertThat(flushed).isOne();
  }

  @Test
  void broadcastsThatAWaitGathersStillCountAsFrequent() {
    // Pairs of broadcasts half a delay apart, a pair every 4.5 delays: 444 broadcasts a second, but once the pairs
    // share a flush, 222 flushes, a rate that would not wait.
    for (int pair = 0; pair < 30; pair++) {
      loop.advance(DELAY.multipliedBy(3));
      int before = flushed;
      timing.broadcast();
      timing.schedule(() -> flushed++);
      loop.runPending();
      boolean waited = flushed == before;
      loop.advance(DELAY.dividedBy(2));
      timing.broadcast();
      if (!waited) {
        timing.schedule(() -> flushed++);
      }
      loop.advance(DELAY);
      assertThat(flushed).isEqualTo(waited ? before + 1 : before + 2);
      if (pair >= 10) {
        assertThat(waited).as("pair %d", pair).isTrue();
      }
    }
  }

  @Test
  void theSwitchIsAtOneBroadcastPerFourDelays() {
    broadcastEvery(DELAY.multipliedBy(7).dividedBy(2), 40);
    assertThat(nextFlushWaits()).as("one broadcast per 3.5 delays").isTrue();

    broadcastEvery(DELAY.multipliedBy(9).dividedBy(2), 40);
    assertThat(nextFlushWaits()).as("one broadcast per 4.5 delays").isFalse();
  }

  @Test
  void aBurstDoesNotSwitchAtOnceNorDoesAPauseAfterIt() {
    broadcastEvery(DELAY.dividedBy(2), 3);
    assertThat(waits()).as("the 4th broadcast of a burst").isFalse();

    broadcastEvery(DELAY.dividedBy(2), 40);
    // A pause counts for 8 delays however long it is: from an average of half a delay, the 5th pause in a row
    // lifts it past 4 delays, not an earlier one.
    for (int pause = 1; pause <= 4; pause++) {
      loop.advance(DELAY.multipliedBy(1000));
      timing.broadcast();
      assertThat(nextFlushWaits()).as("after pause %d", pause).isTrue();
    }
    loop.advance(DELAY.multipliedBy(1000));
    timing.broadcast();
    assertThat(nextFlushWaits()).as("after pause 5").isFalse();
  }

  @Test
  void withoutADelayFlushesNeverWait() {
    FlushTiming noDelay = FlushTiming.of(loop, Duration.ZERO);
    for (int i = 0; i < 20; i++) {
      loop.advance(DELAY.dividedBy(10));
      noDelay.broadcast();
    }
    noDelay.schedule(() -> flushed++);
    loop.runPending();
    assertThat(flushed).isOne();
  }

  private void broadcastEvery(Duration interval, int count) {
    for (int i = 0; i < count; i++) {
      loop.advance(interval);
      timing.broadcast();
    }
  }

  /** Asks for a flush without a broadcast; whether it waited for the delay. Leaves no flush pending. */
  private boolean nextFlushWaits() {
    int before = flushed;
    timing.schedule(() -> flushed++);
    loop.runPending();
    boolean waited = flushed == before;
    loop.advance(DELAY);
    assertThat(flushed).isEqualTo(before + 1);
    return waited;
  }

  /** Broadcasts now and asks for a flush; whether it waited for the delay. Leaves no flush pending. */
  private boolean waits() {
    timing.broadcast();
    return nextFlushWaits();
  }
}
