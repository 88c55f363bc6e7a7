package io.chorus.security;

import org.junit.jupiter.api.Test;

import static io.chorus.security.RateLimiter.Verdict.ACCEPT;
import static io.chorus.security.RateLimiter.Verdict.CLOSE;
import static io.chorus.security.RateLimiter.Verdict.DROP;
import static org.assertj.core.api.Assertions.assertThat;

class RateLimiterTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void burstIsAcceptedAtOnceThenTheRate() {
    RateLimiter limiter = new RateLimit(10, 5).newLimiter();

    for (int i = 0; i < 5; i++) {
      assertThat(limiter.admit(0)).isEqualTo(ACCEPT);
    }
    assertThat(limiter.admit(0)).isEqualTo(DROP);
    assertThat(limiter.admit(SECOND / 10)).isEqualTo(ACCEPT);
    assertThat(limiter.admit(SECOND / 10)).isEqualTo(DROP);
  }

  @Test
  void steadyTrafficAtTheRateIsNeverLimited() {
    RateLimiter limiter = new RateLimit(100, 2).newLimiter();

    for (int i = 0; i < 10_000; i++) {
      assertThat(limiter.admit(i * (SECOND / 100))).isEqualTo(ACCEPT);
    }
  }

  @Test
  void aBurstsWorthOfDropsBeforeCalmingDownCloses() {
    RateLimiter limiter = new RateLimit(10, 5).newLimiter();
    for (int i = 0; i < 5; i++) {
      limiter.admit(0);
    }

    for (int i = 0; i < 4; i++) {
      assertThat(limiter.admit(0)).isEqualTo(DROP);
    }
    assertThat(limiter.admit(0)).isEqualTo(CLOSE);
  }

  @Test
  void dropsAreForgivenOnceTheBucketHasRefilled() {
    RateLimiter limiter = new RateLimit(10, 5).newLimiter();
    for (int i = 0; i < 5; i++) {
      limiter.admit(0);
    }
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.admit(0)).isEqualTo(DROP);
    }

    assertThat(limiter.admit(SECOND)).isEqualTo(ACCEPT);
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.admit(SECOND)).isEqualTo(ACCEPT);
    }
    for (int i = 0; i < 4; i++) {
      assertThat(limiter.admit(SECOND)).isEqualTo(DROP);
    }
  }

  @Test
  void twiceTheRateIsClosedWithinSeconds() {
    RateLimiter limiter = new RateLimit(100, 200).newLimiter();
    RateLimiter.Verdict verdict = ACCEPT;
    long at = 0;
    while (verdict != CLOSE && at < 10 * SECOND) {
      at += SECOND / 200;
      verdict = limiter.admit(at);
    }

    assertThat(verdict).isEqualTo(CLOSE);
    assertThat(at).isBetween(3 * SECOND, 7 * SECOND);
  }
}
