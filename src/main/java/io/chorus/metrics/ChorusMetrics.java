package io.chorus.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Every Chorus meter, registered once at start; callers hold this object, never look a meter up. Labels carry
 * small closed vocabularies only: never a room, a connection or an address, because rooms are unbounded.
 *
 * <p>Fan-out records per batch, not per connection: one {@code delivered(count, bytes)} and one latency sample for
 * each message an event loop writes out.
 */
public final class ChorusMetrics {

  /** Close codes that get their own label value; any other code a client sends is counted as "other". */
  private static final int[] KNOWN_CLOSE_CODES = {1000, 1001, 1002, 1003, 1005, 1006, 1007, 1008, 1009, 1010, 1011,
      1013, 4001, 4002, 4501};

  private final AtomicInteger webSocketConnections = new AtomicInteger();
  private final AtomicInteger sseConnections = new AtomicInteger();
  private final AtomicInteger pollConnections = new AtomicInteger();
  private final Map<String, Integer> roomHubs = new ConcurrentHashMap<>();
  private final Counter received;
  private final Counter bytesReceived;
  private final Counter delivered;
  private final Counter bytesDelivered;
  private final Counter compressedFrameBytes;
  private final Counter uncompressedFrameBytes;
  private final Map<Drop, Counter> dropped = new EnumMap<>(Drop.class);
  private final Map<Handshake, Counter> handshakes = new EnumMap<>(Handshake.class);
  private final Map<Handshake, Counter> sseRequests = new EnumMap<>(Handshake.class);
  private final Map<HttpRejection, Counter> httpRejections = new EnumMap<>(HttpRejection.class);
  private final Counter[] disconnectsByCode = new Counter[KNOWN_CLOSE_CODES.length];
  private final Counter otherDisconnects;
  private final Counter[][] commands = new Counter[Command.values().length][CommandOutcome.values().length];
  private final MeterRegistry registry;
  private final Counter recovered;
  private final Counter notRecovered;
  private final Timer deliveryLatency;
  private final Failures failures;

  /**
   * @param ready          whether the node currently takes new clients, exported as {@code chorus_ready}
   * @param clusterMembers nodes in the cluster this one sees, itself included; 1 standalone
   */
  public ChorusMetrics(MeterRegistry registry, BooleanSupplier ready, IntSupplier clusterMembers) {
    this.registry = registry;
    // Strong references: Micrometer holds a gauge's object weakly, and nothing else holds these lambdas.
    Gauge.builder("chorus_ready", ready, supplier -> supplier.getAsBoolean() ? 1 : 0)
        .description("1 while the node takes new clients (GET /health/ready answers 200), else 0")
        .strongReference(true)
        .register(registry);
    Gauge.builder("chorus_cluster_members", clusterMembers, IntSupplier::getAsInt)
        .description("Nodes in the cluster as this node sees it, itself included (1 when standalone)")
        .strongReference(true)
        .register(registry);
    Gauge.builder("chorus_connections", webSocketConnections, AtomicInteger::get)
        .description("Open client connections")
        .tag("transport", "websocket")
        .register(registry);
    Gauge.builder("chorus_connections", sseConnections, AtomicInteger::get)
        .description("Open client connections")
        .tag("transport", "sse")
        .register(registry);
    Gauge.builder("chorus_connections", pollConnections, AtomicInteger::get)
        .description("Open client connections")
        .tag("transport", "poll")
        .register(registry);
    Gauge.builder("chorus_rooms", roomHubs, Map::size)
        .description("Rooms with at least one connection on this node")
        .register(registry);
    received = Counter.builder("chorus_messages_received")
        .description("Messages received from clients and published to their room")
        .register(registry);
    bytesReceived = Counter.builder("chorus_bytes_received")
        .description("Payload bytes of the messages received from clients")
        .register(registry);
    delivered = Counter.builder("chorus_messages_delivered")
        .description("Messages written to client connections (one per message and connection)")
        .register(registry);
    bytesDelivered = Counter.builder("chorus_bytes_delivered")
        .description("Payload bytes written to client connections")
        .register(registry);
    compressedFrameBytes = frameBytesCounter(registry, true);
    uncompressedFrameBytes = frameBytesCounter(registry, false);
    for (Drop drop : Drop.values()) {
      dropped.put(drop, Counter.builder("chorus_messages_dropped")
          .description("Messages not broadcast or not delivered, by reason")
          .tag("reason", drop.label())
          .register(registry));
    }
    for (Handshake handshake : Handshake.values()) {
      handshakes.put(handshake, Counter.builder("chorus_handshakes")
          .description("WebSocket upgrade requests, by outcome")
          .tag("outcome", handshake.label())
          .register(registry));
    }
    // A request that never ended (timeout) cannot be told to be an SSE one, and every path under /sse is one.
    for (Handshake outcome : EnumSet.complementOf(EnumSet.of(Handshake.TIMEOUT, Handshake.NOT_FOUND))) {
      sseRequests.put(outcome, Counter.builder("chorus_sse_requests")
          .description("SSE stream requests, by outcome (in the words of chorus_handshakes)")
          .tag("outcome", outcome.label())
          .register(registry));
    }
    for (HttpRejection rejection : HttpRejection.values()) {
      httpRejections.put(rejection, Counter.builder("chorus_http_rejections")
          .description("HTTP requests and connections refused before any upgrade, by reason")
          .tag("reason", rejection.label())
          .register(registry));
    }
    for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
      disconnectsByCode[i] = disconnectCounter(registry, Integer.toString(KNOWN_CLOSE_CODES[i]));
    }
    otherDisconnects = disconnectCounter(registry, "other");
    deliveryLatency = Timer.builder("chorus_delivery_latency")
        .description("From a message entering Chorus to its being written to the connections of one event loop")
        .serviceLevelObjectives(
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
            Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2_500), Duration.ofSeconds(5),
            Duration.ofSeconds(10))
        .register(registry);
    failures = new Failures(registry, System::nanoTime);
    for (Command command : Command.values()) {
      for (CommandOutcome outcome : CommandOutcome.values()) {
        commands[command.ordinal()][outcome.ordinal()] = Counter.builder("chorus_commands")
            .description("chorus.v1 commands, by type and outcome (ok, or the error code of the reply)")
            .tag("type", command.label())
            .tag("outcome", outcome.label())
            .register(registry);
      }
    }
    recovered = resumeCounter(registry, "recovered");
    notRecovered = resumeCounter(registry, "not_recovered");
  }

  /**
   * Gauges of the history this node keeps (standalone: all of it; clustered: the primary copies it owns).
   *
   * @param rooms rooms whose stream (position and history) the node keeps
   * @param bytes bytes of messages held
   */
  public void history(IntSupplier rooms, LongSupplier bytes) {
    Gauge.builder("chorus_history_rooms", rooms::getAsInt)
        .description("Rooms whose stream (position and history) this node keeps, against max-history-rooms")
        .register(registry);
    Gauge.builder("chorus_history_bytes", bytes::getAsLong)
        .description("Bytes of messages this node keeps in history")
        .baseUnit("bytes")
        .register(registry);
  }

  /** Where unexpected exceptions are counted and logged. */
  public Failures failures() {
    return failures;
  }

  public void connectionOpened() {
    webSocketConnections.incrementAndGet();
  }

  /** A connection ended; {@code code} is the close code sent or received, 1006 when none was. */
  public void connectionClosed(int code) {
    webSocketConnections.decrementAndGet();
    for (int i = 0; i < KNOWN_CLOSE_CODES.length; i++) {
      if (KNOWN_CLOSE_CODES[i] == code) {
        disconnectsByCode[i].increment();
        return;
      }
    }
    otherDisconnects.increment();
  }

  /** An SSE stream opened. */
  public void streamOpened() {
    sseConnections.incrementAndGet();
  }

  /** An SSE stream ended. */
  public void streamClosed() {
    sseConnections.decrementAndGet();
  }

  /** A long poll is held, waiting for messages. */
  public void pollHeld() {
    pollConnections.incrementAndGet();
  }

  /** A held long poll was answered, or its client left. */
  public void pollReleased() {
    pollConnections.decrementAndGet();
  }

  public void handshake(Handshake outcome) {
    handshakes.get(outcome).increment();
  }

  /** How an SSE request ended: accepted, or refused for one of the reasons an upgrade is refused for. */
  public void sseRequest(Handshake outcome) {
    sseRequests.get(outcome).increment();
  }

  public void httpRejection(HttpRejection reason) {
    httpRejections.get(reason).increment();
  }

  /**
   * Registers one refusal of the HTTP API in {@code chorus_api_problems_total}: the API registers each problem of its
   * closed vocabulary once, at start, and keeps what this returns, which counts one more each time it runs.
   *
   * @param problem the problem's name, as its type ends ({@code rate-limited})
   * @param status  the HTTP status it is answered with
   */
  public Runnable apiProblem(String problem, int status) {
    Counter counter = Counter.builder("chorus_api_problems")
        .description("HTTP API requests refused with a problem (RFC 9457), by problem and status")
        .tag("problem", problem)
        .tag("status", Integer.toString(status))
        .register(registry);
    return counter::increment;
  }

  /**
   * Registers the TLS meters, when the node serves TLS: reloads of its certificate by outcome, and when the
   * certificate it serves expires.
   *
   * @param notAfter the served certificate's expiry, in seconds since the epoch
   * @return counts one more reload with the outcome it is given
   */
  public Consumer<Reload> tls(LongSupplier notAfter) {
    Gauge.builder("chorus_tls_certificate_expiry_timestamp_seconds", notAfter::getAsLong)
        .description("When the certificate the node serves expires, in seconds since the epoch")
        .register(registry);
    return reloads("chorus_tls_reloads",
        "Certificate reloads (files changed, or SIGHUP), by outcome; a failed one keeps the old one");
  }

  /**
   * Registers the counter of JWKS file reloads by outcome, when tokens are verified with keys from one.
   *
   * @return counts one more reload with the outcome it is given
   */
  public Consumer<Reload> jwks() {
    return reloads("chorus_jwks_reloads",
        "Reloads of the JWKS file of token keys (file changed, or SIGHUP), by outcome; a failed one keeps the keys "
            + "read before");
  }

  /** A counter {@code name} with one series per {@link Reload} outcome, and what counts one more. */
  private Consumer<Reload> reloads(String name, String description) {
    Map<Reload, Counter> reloads = new EnumMap<>(Reload.class);
    for (Reload outcome : Reload.values()) {
      reloads.put(outcome, Counter.builder(name).description(description).tag("outcome", outcome.label())
          .register(registry));
    }
    return outcome -> reloads.get(outcome).increment();
  }

  /** A hub of this node now has connections in the room. */
  public void roomOpened(String room) {
    roomHubs.merge(room, 1, Integer::sum);
  }

  /** A hub of this node no longer has connections in the room. */
  public void roomClosed(String room) {
    roomHubs.computeIfPresent(room, (name, hubs) -> hubs == 1 ? null : hubs - 1);
  }

  public void received(int payloadBytes) {
    received.increment();
    bytesReceived.increment(payloadBytes);
  }

  public void delivered(int connections, long payloadBytes) {
    delivered.increment(connections);
    bytesDelivered.increment(payloadBytes);
  }

  /** Bytes of WebSocket frames written since the last call (with compression on): permessage-deflate ones, others. */
  public void frameBytes(long compressed, long uncompressed) {
    compressedFrameBytes.increment(compressed);
    uncompressedFrameBytes.increment(uncompressed);
  }

  public void dropped(Drop reason, int messages) {
    dropped.get(reason).increment(messages);
  }

  public void command(Command command, CommandOutcome outcome) {
    commands[command.ordinal()][outcome.ordinal()].increment();
  }

  /** A client came back to a room with a position: whether every message it missed was delivered. */
  public void resumed(boolean complete) {
    (complete ? recovered : notRecovered).increment();
  }

  public void deliveryLatency(long nanos) {
    deliveryLatency.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  private static Counter resumeCounter(MeterRegistry registry, String outcome) {
    return Counter.builder("chorus_resumes")
        .description("chorus.v1 subscribes that came back with a position, by whether every missed message came")
        .tag("outcome", outcome)
        .register(registry);
  }

  private static Counter frameBytesCounter(MeterRegistry registry, boolean compressed) {
    return Counter.builder("chorus_websocket_frame_bytes")
        .description("Bytes of WebSocket frames written with compression on, by whether permessage-deflate "
            + "compressed them")
        .baseUnit("bytes")
        .tag("compressed", Boolean.toString(compressed))
        .register(registry);
  }

  private static Counter disconnectCounter(MeterRegistry registry, String code) {
    return Counter.builder("chorus_disconnects")
        .description("Closed client connections, by close code (1006: ended without a close frame)")
        .tag("code", code)
        .register(registry);
  }
}
