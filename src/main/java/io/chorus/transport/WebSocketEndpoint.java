package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.config.SlowConsumerPolicy;
import io.chorus.hub.CloseReason;
import io.chorus.hub.Hub;
import io.chorus.hub.OutboundMessage;
import io.chorus.metrics.Handshake;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker13;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The WebSocket connections of one gateway in plain mode: it watches every accepted TCP connection until it
 * upgrades, opens a WebSocket for each upgrade that {@link UpgradePolicy} accepts, and then owns the connections:
 * their heartbeat, and their spread-out closing at shutdown. One per gateway, touched by its event loop only.
 */
public final class WebSocketEndpoint {

  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
  /** Spread-out closing at shutdown closes a batch of connections on each tick of this length. */
  private static final long DRAIN_TICK_MILLIS = 50;
  /** One warning a minute at most: an exhausted node would otherwise log once per connection. */
  private static final long OUT_OF_MEMORY_WARNING_INTERVAL_NANOS = 60_000_000_000L;

  private final Hub hub;
  private final ChorusMetrics metrics;
  private final ConnectionLimit connectionLimit;
  private final EventLoop eventLoop;
  private final OutboundMessage welcome;
  private final UpgradePolicy upgradePolicy;
  private final RateLimit rateLimit;
  private final HttpConnectionGuard guard;
  private final HttpRefusals refusals;
  private final WebSocketDecoderConfig decoderConfig;
  private final int maxMessageSize;
  private final int maxPendingOutput;
  private final boolean disconnectSlowConsumers;
  private final long pingIntervalNanos;
  private final long idleTimeoutNanos;
  private final long closeTimeoutNanos;
  private final Liveness.Heartbeat heartbeat;
  private final List<WebSocketConnection> connections = new ArrayList<>();
  private long now = System.nanoTime();
  private Promise<Void> allClosed;
  private long lastOutOfMemoryWarning;

  /**
   * @param refusals  the node's count and log of refused HTTP requests, shared by every gateway
   * @param eventLoop the gateway's event loop: timers for heartbeats, request deadlines and draining run on it
   * @param heartbeat records each tick of the heartbeat, for the liveness probe
   */
  public WebSocketEndpoint(ChorusConfig config, Hub hub, ChorusMetrics metrics, ConnectionLimit connectionLimit,
      Readiness readiness, HttpRefusals refusals, EventLoop eventLoop, Liveness.Heartbeat heartbeat) {
    this.hub = hub;
    this.metrics = metrics;
    this.connectionLimit = connectionLimit;
    this.eventLoop = eventLoop;
    this.heartbeat = heartbeat;
    this.welcome = OutboundMessage.constant(
        new JsonObject().put("type", "welcome").put("message", config.welcomeMessage()).encode());
    this.upgradePolicy = new UpgradePolicy(new OriginPolicy(config.allowedOrigins()), readiness, connectionLimit);
    this.rateLimit = config.limits().rateLimit() == 0
        ? null
        : new RateLimit(config.limits().rateLimit(), config.limits().rateLimitBurst());
    this.refusals = refusals;
    this.guard = new HttpConnectionGuard(connectionLimit, metrics, refusals,
        config.timeouts().handshakeTimeout().toNanos());
    this.maxMessageSize = config.limits().maxMessageSize();
    // Frames larger than a whole message are refused by the decoder before they are buffered (close 1009).
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageSize)
        .allowExtensions(false)
        .allowMaskMismatch(false)
        .closeOnProtocolViolation(false)
        .withUTF8Validator(false)
        .build();
    this.maxPendingOutput = config.limits().maxPendingOutput();
    this.disconnectSlowConsumers = config.limits().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT;
    this.pingIntervalNanos = config.timeouts().pingInterval().toNanos();
    this.idleTimeoutNanos = config.timeouts().idleTimeout().toNanos();
    this.closeTimeoutNanos = config.timeouts().closeTimeout().toNanos();
    long tick = Math.max(10, Math.min(1_000, Math.min(config.timeouts().pingInterval().toMillis(),
        config.timeouts().handshakeTimeout().toMillis()) / 10));
    eventLoop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  /**
   * A TCP connection was accepted on this gateway: it is held to the node's TCP budget and each of its requests to
   * the handshake timeout, malformed requests on it are refused and WebSocket upgrades taken over, all before
   * Vert.x's HTTP layer sees them.
   */
  public void accepted(HttpConnection connection) {
    Channel channel = Internals.channel(connection);
    if (guard.admit(channel)) {
      WebSocketUpgrade upgrade = new WebSocketUpgrade(this, upgradePolicy, metrics);
      Internals.addBeforeHttpConnection(channel, "chorus-upgrade", upgrade);
      guard.watch(upgrade, now);
    }
  }

  /**
   * Closes every connection of this event loop with 1001, spread evenly over {@code period} so that clients do not
   * all reconnect at once; completes when the last one is gone.
   */
  public Future<Void> drain(Duration period) {
    Promise<Void> drained = Promise.promise();
    eventLoop.execute(() -> {
      allClosed = drained;
      List<WebSocketConnection> closing = List.copyOf(connections);
      long start = System.nanoTime();
      long periodNanos = Math.max(1, period.toNanos());
      int[] closed = {0};
      Runnable batch = () -> {
        long elapsed = System.nanoTime() - start;
        int due = (int) Math.min(closing.size(), Math.ceil(closing.size() * (double) elapsed / periodNanos));
        while (closed[0] < due) {
          closing.get(closed[0]++).close(CloseReason.GOING_AWAY);
        }
      };
      if (period.isZero() || closing.isEmpty()) {
        closing.forEach(connection -> connection.close(CloseReason.GOING_AWAY));
      } else {
        var timer = eventLoop.scheduleAtFixedRate(batch, 0, DRAIN_TICK_MILLIS, TimeUnit.MILLISECONDS);
        drained.future().onComplete(done -> timer.cancel(false));
      }
      completeIfAllClosed();
    });
    return drained.future();
  }

  HttpConnectionGuard guard() {
    return guard;
  }

  HttpRefusals refusals() {
    return refusals;
  }

  /**
   * Answers 101 and swaps the HTTP codec for the WebSocket codec (Netty's handshaker), puts a WebSocketConnection in
   * place of the upgrade handler, and joins the room once the 101 is written; frames the client sent before that
   * wait in {@link EarlyFrames}. Vert.x's HTTP connection stays last in the pipeline, idle, so that its metrics see
   * the connection close.
   */
  void open(ChannelHandlerContext upgradeCtx, HttpRequest request, String room) {
    Channel channel = upgradeCtx.channel();
    ChannelPipeline pipeline = channel.pipeline();
    // Vert.x's idle timeout watched the HTTP connection; from now on the heartbeat watches the WebSocket.
    Internals.removeIdleTimeout(pipeline);
    WebSocketConnection connection = new WebSocketConnection(this, room,
        rateLimit == null ? null : rateLimit.newLimiter());
    pipeline.replace(upgradeCtx.handler(), "chorus", connection);
    EarlyFrames early = new EarlyFrames();
    pipeline.addBefore("chorus", "chorus-early-frames", early);
    connection.slot = connections.size();
    connections.add(connection);
    metrics.handshake(Handshake.ACCEPTED);
    metrics.connectionOpened();
    FullHttpRequest handshakeRequest = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
        request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
    new WebSocketServerHandshaker13(webSocketLocation(request), null, decoderConfig)
        .handshake(channel, handshakeRequest, null, channel.newPromise())
        .addListener(answered -> {
          if (answered.isSuccess()) {
            connection.join(hub.join(room, connection), welcome);
            early.release();
          } else {
            channel.close();
          }
        });
  }

  private static String webSocketLocation(HttpRequest request) {
    String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
    return "ws://" + host + request.uri();
  }

  /** The heartbeat: a periodic task that Netty would silently stop scheduling if it ever threw. */
  private void tick() {
    try {
      now = System.nanoTime();
      heartbeat.ticked(now);
      guard.closeExpired(now);
      refusals.summarizeIfDue(now);
      for (int i = connections.size() - 1; i >= 0; i--) {
        connections.get(i).heartbeat(now);
      }
    } catch (RuntimeException e) {
      log.error("Heartbeat tick failed; it runs again in a moment", e);
    }
  }

  /** A connection was closed because direct memory ran out: say so, once a minute at most. */
  void outOfDirectMemory(Throwable cause) {
    if (lastOutOfMemoryWarning == 0 || now - lastOutOfMemoryWarning > OUT_OF_MEMORY_WARNING_INTERVAL_NANOS) {
      lastOutOfMemoryWarning = now;
      log.warn("Out of direct memory: closing the connections it cannot serve ({})", cause.getMessage());
    }
  }

  void forget(WebSocketConnection connection, int closeCode) {
    int slot = connection.slot;
    if (slot < 0) {
      return;
    }
    connectionLimit.closeWebSocket();
    metrics.connectionClosed(closeCode);
    WebSocketConnection last = connections.remove(connections.size() - 1);
    if (last != connection) {
      connections.set(slot, last);
      last.slot = slot;
    }
    connection.slot = -1;
    completeIfAllClosed();
  }

  private void completeIfAllClosed() {
    if (allClosed != null && connections.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  Hub hub() {
    return hub;
  }

  ChorusMetrics metrics() {
    return metrics;
  }

  /** The event loop's clock, read at its last heartbeat tick: cheap enough for every frame. */
  long now() {
    return now;
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  int maxPendingOutput() {
    return maxPendingOutput;
  }

  boolean disconnectsSlowConsumers() {
    return disconnectSlowConsumers;
  }

  long pingIntervalNanos() {
    return pingIntervalNanos;
  }

  long idleTimeoutNanos() {
    return idleTimeoutNanos;
  }

  long closeTimeoutNanos() {
    return closeTimeoutNanos;
  }
}
