package io.chorus.security;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AddressRateLimitsTest {

  @Test
  void eachAddressHasItsOwnBurst() {
    AddressRateLimits limits = new AddressRateLimits(new RateLimit(1, 2));

    assertThat(limits.admit("10.0.0.1", 0)).isTrue();
    assertThat(limits.admit("10.0.0.1", 0)).isTrue();
    assertThat(limits.admit("10.0.0.1", 0)).isFalse();
    assertThat(limits.admit("10.0.0.2", 0)).isTrue();
    assertThat(limits.admit("10.0.0.1", 1_000_000_000L)).isTrue();
  }

  @Test
  void sprayedAddressesNeverGrowTheMapBeyondItsBound() {
    AddressRateLimits limits = new AddressRateLimits(new RateLimit(1, 1));

    for (int i = 0; i < 3 * AddressRateLimits.MAX_ADDRESSES; i++) {
      limits.admit("addr-" + i, 0);
    }

    assertThat(limits.size()).isEqualTo(AddressRateLimits.MAX_ADDRESSES);
  }
}
