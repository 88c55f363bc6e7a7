package io.chorus.support;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scrapes a server's memory meters every 50 ms and keeps the peaks: Netty's pooled direct memory, all its direct
 * memory with the JVM's own direct buffers, and the JVM heap. A scrape that fails stops the sampling, and every peak
 * read after that throws, so that a test cannot pass on peaks that were never sampled.
 */
public final class MemorySampler implements AutoCloseable {

  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final AtomicLong peakDirect = new AtomicLong();
  private final AtomicLong peakHeap = new AtomicLong();
  private final AtomicLong peakAllDirect = new AtomicLong();
  private volatile Exception failure;

  public MemorySampler(int metricsPort) {
    scheduler.scheduleAtFixedRate(() -> sample(metricsPort), 0, 50, TimeUnit.MILLISECONDS);
  }

  public long peakDirectBytes() {
    return sampled(peakDirect);
  }

  /** Netty's count of the direct memory it allocated (pooled or not) plus the JVM's direct buffers. */
  public long peakAllDirectBytes() {
    return sampled(peakAllDirect);
  }

  public long peakHeapBytes() {
    return sampled(peakHeap);
  }

  private long sampled(AtomicLong peak) {
    if (failure != null) {
      throw new IllegalStateException("memory sampling stopped: a scrape failed", failure);
    }
    return peak.get();
  }

  private void sample(int port) {
    try {
      Scrape scrape = Scrape.of(port);
      peakDirect.accumulateAndGet((long) scrape.sum("netty_allocator_memory_used", "memory_type=\"direct\""), Math::max);
      long allDirect = (long) (Math.max(0, scrape.value("netty_direct_memory_used_bytes"))
          + scrape.sum("jvm_buffer_memory_used_bytes", "id=\"direct\""));
      peakAllDirect.accumulateAndGet(allDirect, Math::max);
      peakHeap.accumulateAndGet((long) scrape.sum("jvm_memory_used_bytes", "area=\"heap\""), Math::max);
    } catch (Exception failed) {
      failure = failed;
      scheduler.shutdown();
    }
  }

  @Override
  public void close() throws InterruptedException {
    scheduler.shutdownNow();
    scheduler.awaitTermination(10, TimeUnit.SECONDS);
  }
}
