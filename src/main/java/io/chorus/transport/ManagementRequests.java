package io.chorus.transport;

import io.chorus.config.Timeouts;
import io.chorus.security.ConnectionLimit;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The requests of every connection on the management port, refused and timed as the client port's are
 * ({@link HttpRequests}), and the port's own connection cap. Without a deadline, Vert.x's idle timeout, which any byte
 * resets, would let a client that trickles its request hold a connection forever; without a cap, enough of them
 * would take the descriptors the client port's budget counts on.
 */
final class ManagementRequests extends HttpRequests {

  /**
   * Connections the management port keeps open at most. Its callers are Prometheus and the kubelet's probes, a
   * handful of connections at a time; 64 leaves room for several scrapers and retries, and takes 64 descriptors at
   * most from the headroom the client port leaves free. Beyond it a newcomer closes the connection that has waited
   * longest, as on the client port, so that slow clients cannot lock out the probes.
   */
  static final int MAX_CONNECTIONS = 64;

  private ManagementRequests(HttpConnectionGuard guard, Refusals refusals) {
    super(guard, refusals);
  }

  /**
   * Watches the management port's connections on the event loop that serves it: each request must end within
   * {@code timeout} of the connection's opening or of the last answer written on it.
   */
  static Handler<HttpConnection> watch(EventLoop eventLoop, Duration timeout, Refusals refusals) {
    // WebSockets never open here: the whole cap is for plain HTTP.
    HttpConnectionGuard guard = new HttpConnectionGuard(new ConnectionLimit(0, MAX_CONNECTIONS), null, refusals,
        timeout.toNanos());
    long tick = Timeouts.tick(timeout).toMillis();
    eventLoop.scheduleAtFixedRate(() -> guard.closeExpired(System.nanoTime()), tick, tick, TimeUnit.MILLISECONDS);
    return connection -> {
      Channel channel = Internals.channel(connection);
      if (guard.admit(channel)) {
        ManagementRequests requests = new ManagementRequests(guard, refusals);
        Internals.addBeforeHttpConnection(channel, "chorus-requests", requests);
        guard.watch(requests, System.nanoTime());
      }
    };
  }
}
