package io.chorus.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran. The tests run with Netty's leak detector at
 * {@code paranoid} (see the pom), which tracks every buffer and logs {@code LEAK:} at ERROR when one is collected
 * unreleased; this extension collects those lines. Netty only notices a leak once the buffer has been collected and
 * another buffer is allocated, so after each class it asks for a collection and allocates once: a leak shows in the
 * class that caused it, or at the latest in the next one. Servers started as separate processes are not covered.
 */
public final class LeakReports implements BeforeAllCallback, AfterAllCallback {

  private static final Collector collector = new Collector();

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (collector) {
      if (!collector.isStarted()) {
        Logger detector = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
        collector.setContext(detector.getLoggerContext());
        collector.start();
        detector.addAppender(collector);
      }
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    collectGarbageAndWait();
    ByteBuf probe = PooledByteBufAllocator.DEFAULT.directBuffer(1);
    probe.release();
    List<String> leaks = collector.drain();
    if (!leaks.isEmpty()) {
      throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s) during or before "
          + context.getDisplayName() + ":\n" + String.join("\n", leaks));
    }
  }

  /**
   * A collection, and the reference handler's work after it: once a sentinel's reference is enqueued, the references
   * of buffers collected alongside it are (nearly always) enqueued too, and the probe allocation reports them.
   */
  private static void collectGarbageAndWait() throws InterruptedException {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
    for (int attempt = 0; attempt < 10; attempt++) {
      System.gc();
      if (queue.remove(100) != null) {
        break;
      }
    }
    Reference.reachabilityFence(sentinel);
  }

  private static final class Collector extends AppenderBase<ILoggingEvent> {

    private final List<String> reports = new ArrayList<>();

    @Override
    protected synchronized void append(ILoggingEvent event) {
      reports.add(event.getFormattedMessage());
    }

    synchronized List<String> drain() {
      List<String> drained = List.copyOf(reports);
      reports.clear();
      return drained;
    }
  }
}
