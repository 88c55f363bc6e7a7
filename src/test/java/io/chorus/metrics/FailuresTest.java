package io.chorus.metrics;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** Every unexpected exception is counted; its place is logged once a minute at most, with one stack trace. */
class FailuresTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final long[] clock = {1_000};
  private final Failures failures = new Failures(registry, () -> clock[0]);
  private final Logger logger = (Logger) LoggerFactory.getLogger(Failures.class);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

  @BeforeEach
  void recordLines() {
    lines.start();
    logger.addAppender(lines);
  }

  @AfterEach
  void stopRecording() {
    logger.detachAppender(lines);
  }

  @Test
  void everyExceptionIsCountedButEachPlaceIsLoggedOnceAMinute() {
    for (int i = 0; i < 1_000; i++) {
      failures.report(Where.WEBSOCKET, new IllegalStateException("bug " + i));
    }
    failures.report(Where.HUB, new IllegalStateException("elsewhere"));

    assertThat(errors("websocket")).isEqualTo(1_000);
    assertThat(errors("hub")).isEqualTo(1);
    assertThat(errors("session")).isZero();
    assertThat(lines.list).hasSize(2);
    assertThat(lines.list.get(0).getThrowableProxy()).as("the first line has the stack trace").isNotNull();
  }

  @Test
  void aMinuteLaterThePlaceIsLoggedAgainInOneLineWithWhatWentUnlogged() {
    failures.report(Where.SESSION, new IllegalStateException("first"));
    clock[0] += Failures.LOG_INTERVAL_NANOS - 1;
    failures.report(Where.SESSION, new IllegalStateException("second"));
    clock[0] += 1;
    failures.report(Where.SESSION, new IllegalArgumentException("third"));

    assertThat(lines.list).hasSize(2);
    ILoggingEvent later = lines.list.get(1);
    assertThat(later.getThrowableProxy()).isNull();
    assertThat(later.getFormattedMessage())
        .contains("session", "java.lang.IllegalArgumentException", "third", "1 more since the last line");
    assertThat(errors("session")).isEqualTo(3);
  }

  private double errors(String where) {
    return registry.get("chorus_errors").tag("where", where).counter().count();
  }
}
