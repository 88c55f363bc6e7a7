package io.chorus.support;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;

/**
 * Registered for every test class (see junit-platform.properties): conditions are checked at once and then every
 * 20 ms instead of Awaitility's first check after 100 ms, and wait at most 20 s instead of 10 s on a busy machine.
 */
public final class AwaitilityDefaults implements BeforeAllCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    Awaitility.setDefaultPollDelay(Duration.ZERO);
    Awaitility.setDefaultPollInterval(Duration.ofMillis(20));
    Awaitility.setDefaultTimeout(Duration.ofSeconds(20));
  }
}
