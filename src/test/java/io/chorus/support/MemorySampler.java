package io.chorus.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Scrapes a server's memory meters every 50 ms and keeps the peaks: Netty's direct memory and the JVM heap. */
public final class MemorySampler implements AutoCloseable {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong peakDirect = new AtomicLong();
  private final AtomicLong peakHeap = new AtomicLong();

  public MemorySampler(int metricsPort) {
    scheduler.scheduleAtFixedRate(() -> sample(metricsPort), 0, 50, TimeUnit.MILLISECONDS);
  }

  public long peakDirectBytes() {
    return peakDirect.get();
  }

  public long peakHeapBytes() {
    return peakHeap.get();
  }

  private void sample(int port) {
    try {
      Scrape scrape = Scrape.of(port);
      peakDirect.accumulateAndGet((long) scrape.sum("netty_allocator_memory_used", "memory_type=\"direct\""), Math::max);
      peakHeap.accumulateAndGet((long) scrape.sum("jvm_memory_used_bytes", "area=\"heap\""), Math::max);
    } catch (Exception stopped) {
      scheduler.shutdown();
    }
  }

  @Override
  public void close() throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(10, TimeUnit.SECONDS);
  }
}
