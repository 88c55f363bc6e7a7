package io.chorus.security;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A {@link RateLimit} per client address, for requests that come without a connection of their own to hold a
 * limiter (the HTTP API). The addresses seen most recently keep their limiter; beyond {@link #MAX_ADDRESSES} the
 * least recent one is forgotten, so that a client spraying source addresses costs a bounded map (about 1 MB), and a
 * forgotten address only gets a fresh, full burst. Touched by one event loop only.
 */
public final class AddressRateLimits {

  /** Far more clients than one event loop serves at once with HTTP requests; each entry is about 100 bytes. */
  static final int MAX_ADDRESSES = 10_000;

  private final RateLimit limit;
  private final Map<String, RateLimiter> limiters = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, RateLimiter> eldest) {
      return size() > MAX_ADDRESSES;
    }
  };

  public AddressRateLimits(RateLimit limit) {
    this.limit = limit;
  }

  /** Whether one more request from {@code address} is within its rate. */
  public boolean admit(String address, long nowNanos) {
    return limiters.computeIfAbsent(address, any -> limit.newLimiter()).admit(nowNanos) == RateLimiter.Verdict.ACCEPT;
  }

  int size() {
    return limiters.size();
  }
}
