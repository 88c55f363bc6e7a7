package io.chorus.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * The Prometheus exposition, rendered on a worker thread and shared. Rendering walks every meter: a few ms for the
 * ~20 KB of a quiet node, but it used to run on the event loop that took the request, where the 15 MB of a
 * label-flooded registry held every connection of that loop for 0.6 to 2 s per scrape.
 *
 * <p>Every scrape gets a render that started after it arrived, so it never shows an older state than the scrape
 * asked about. Scrapes that arrive while a render runs share the next one, and the next one starts no sooner than
 * the last one took after it ended (at most {@link #MAX_PAUSE} later): however many scrapes arrive, pipelined or from
 * many connections, rendering takes at most half of one worker thread while renders take up to 50 ms, as they do
 * with closed label sets.
 *
 * <p>The bytes live in one direct buffer that every response writes a slice of: answers queued for a client that
 * pipelines requests without reading them cost no copy each.
 */
public final class Exposition {

  /**
   * The longest pause between two renders. The first render of a JVM takes ~0.4 s (class loading, no JIT yet); a
   * pause as long would delay the next scrape by as much for no good reason.
   */
  private static final long MAX_PAUSE = TimeUnit.MILLISECONDS.toNanos(50);

  private final PrometheusMeterRegistry registry;
  /** The render that scrapes arriving now will get; it has not started yet. Null when none is waiting. */
  private Promise<ByteBuf> next;
  /** A render is scheduled or running; when it ends it schedules {@link #next}, if a scrape is waiting for it. */
  private boolean busy;
  private long earliestStartNanos = System.nanoTime();

  public Exposition(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** The exposition as of now or a little later; {@code vertx} runs the render on its worker pool. */
  public synchronized Future<ByteBuf> current(Vertx vertx) {
    if (next == null) {
      next = Promise.promise();
      if (!busy) {
        schedule(vertx);
      }
    }
    return next.future();
  }

  /** With the lock held, a scrape waiting and no render busy. */
  private void schedule(Vertx vertx) {
    busy = true;
    long delayMillis = TimeUnit.NANOSECONDS.toMillis(earliestStartNanos - System.nanoTime());
    if (delayMillis < 1) {
      vertx.executeBlocking(() -> render(vertx), false);
    } else {
      vertx.setTimer(delayMillis, timer -> vertx.executeBlocking(() -> render(vertx), false));
    }
  }

  private Void render(Vertx vertx) {
    Promise<ByteBuf> waiting;
    synchronized (this) {
      waiting = next;
      next = null;
    }
    long start = System.nanoTime();
    try {
      ByteArrayOutputStream text = new ByteArrayOutputStream(64 * 1024);
      registry.scrape(text);
      // A direct buffer the garbage collector frees: Netty's wrapper never frees memory it did not allocate.
      ByteBuffer bytes = ByteBuffer.allocateDirect(text.size()).put(text.toByteArray()).flip();
      waiting.complete(Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(bytes)));
    } catch (IOException | RuntimeException | Error e) {
      // Fail the scrapes that wait for this render, whatever went wrong, rather than leave them hanging.
      waiting.fail(e);
    } finally {
      long end = System.nanoTime();
      synchronized (this) {
        busy = false;
        earliestStartNanos = end + Math.min(end - start, MAX_PAUSE);
        if (next != null) {
          schedule(vertx);
        }
      }
    }
    return null;
  }
}
