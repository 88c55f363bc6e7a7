package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.metrics.HttpRejection;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * What the node refused its clients, and the connections it closed for what they did: HTTP requests and connections
 * refused (each counted in {@code chorus_http_rejections_total} here), WebSocket upgrades and SSE requests refused,
 * and connections closed for breaking a limit or the protocol. Each kind is logged as one summary line at most every
 * 10 s, with its count and one client's address: a client can send thousands of malformed requests or over-limit
 * messages a second, and a line each would let it fill the disk and bury the lines that matter. Shared by every
 * gateway; thread-safe.
 */
public final class Refusals {

  private static final Logger log = LoggerFactory.getLogger(Refusals.class);
  private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
  /**
   * Closes that say nothing about the client: the node stops, a client went away or let its token lapse, or the
   * server failed (logged as a failure where it happens).
   */
  private static final Set<CloseReason> UNREMARKABLE_CLOSES = EnumSet.of(CloseReason.GOING_AWAY,
      CloseReason.IDLE_TIMEOUT, CloseReason.TOKEN_EXPIRED, CloseReason.INTERNAL_ERROR);
  private static final int UPGRADES = HttpRejection.values().length;
  private static final int STREAMS = UPGRADES + Handshake.values().length;
  private static final int CLOSES = STREAMS + Handshake.values().length;
  /** What each kind's line says happened, by index: HTTP refusals, then upgrades, SSE requests and closes. */
  private static final List<Kind> KINDS = kinds();

  private final ChorusMetrics metrics;
  private final AtomicLongArray sinceSummary = new AtomicLongArray(KINDS.size());
  /** The address of one client of each kind since the last summary: the first one's. */
  private final AtomicReferenceArray<String> examples = new AtomicReferenceArray<>(KINDS.size());
  /** When the counts in {@link #sinceSummary} began: the last summary, or the start. */
  private final AtomicLong windowStart;
  private final AtomicLong lastSummary;

  /** @param now the start, on the {@link System#nanoTime()} clock: the first refusals are reported within a tick */
  public Refusals(ChorusMetrics metrics, long now) {
    this.metrics = metrics;
    this.windowStart = new AtomicLong(now);
    this.lastSummary = new AtomicLong(now - SUMMARY_INTERVAL_NANOS);
  }

  /** An HTTP request or connection refused before Vert.x or the WebSocket upgrade saw it. */
  void refused(HttpRejection reason, Channel channel) {
    metrics.httpRejection(reason);
    count(reason.ordinal(), channel);
  }

  /** A WebSocket upgrade refused (its metric is counted by the caller); a connection timed out before a request. */
  void refusedUpgrade(Handshake outcome, Channel channel) {
    count(UPGRADES + outcome.ordinal(), channel);
  }

  /** An SSE request refused (its metric is counted by the caller). */
  void refusedStream(Handshake outcome, Channel channel) {
    count(STREAMS + outcome.ordinal(), channel);
  }

  /** The server began closing a connection for {@code reason}; only what the client did is summarised. */
  void closed(CloseReason reason, Channel channel) {
    if (!UNREMARKABLE_CLOSES.contains(reason)) {
      count(CLOSES + reason.ordinal(), channel);
    }
  }

  /** Called on every gateway's heartbeat tick: one of them logs the summary once 10 s have passed since the last. */
  void summarizeIfDue(long now) {
    long last = lastSummary.get();
    if (now - last < SUMMARY_INTERVAL_NANOS || !anySince() || !lastSummary.compareAndSet(last, now)) {
      return;
    }
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(now - windowStart.getAndSet(now)));
    for (int kind = 0; kind < KINDS.size(); kind++) {
      long count = sinceSummary.getAndSet(kind, 0);
      String example = examples.getAndSet(kind, null);
      if (count > 0) {
        Kind what = KINDS.get(kind);
        log.warn("{} {} in the last {} s{}", String.format(Locale.ROOT, "%,d", count),
            count == 1 ? what.one() : what.many(), seconds, example == null ? "" : " (e.g. " + example + ")");
      }
    }
  }

  /** @param channel the client's connection, for its address; null when there is none to name */
  private void count(int kind, Channel channel) {
    sinceSummary.incrementAndGet(kind);
    // One address per kind and window: the string is made for the first client only.
    if (examples.get(kind) == null && channel != null) {
      examples.compareAndSet(kind, null, address(channel.remoteAddress()));
    }
  }

  private static String address(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress().getHostAddress()
        : String.valueOf(remote);
  }

  private boolean anySince() {
    for (int i = 0; i < KINDS.size(); i++) {
      if (sinceSummary.get(i) > 0) {
        return true;
      }
    }
    return false;
  }

  /** What happened, said of one client and of several. */
  private record Kind(String one, String many) {
  }

  private static List<Kind> kinds() {
    List<Kind> kinds = new ArrayList<>();
    for (HttpRejection reason : HttpRejection.values()) {
      String why = " refused (" + reason.label() + ")";
      kinds.add(new Kind("HTTP request or connection" + why, "HTTP requests or connections" + why));
    }
    for (Handshake outcome : Handshake.values()) {
      String why = " refused (" + outcome.label() + ")";
      kinds.add(outcome == Handshake.TIMEOUT
          ? new Kind("connection sent no complete request in time (timeout)",
              "connections sent no complete request in time (timeout)")
          : new Kind("WebSocket upgrade" + why, "WebSocket upgrades" + why));
    }
    for (Handshake outcome : Handshake.values()) {
      String why = " refused (" + outcome.label() + ")";
      kinds.add(new Kind("SSE request" + why, "SSE requests" + why));
    }
    for (CloseReason reason : CloseReason.values()) {
      String why = " closed for " + reason.text() + " (" + reason.code() + ")";
      kinds.add(new Kind("connection" + why, "connections" + why));
    }
    return List.copyOf(kinds);
  }
}
