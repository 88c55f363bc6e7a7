package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.config.Compression;
import io.chorus.hub.Encoding;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.InputBudget;
import io.chorus.security.OriginPolicy;
import io.chorus.session.Protocol;
import io.chorus.session.Sessions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * The WebSocket transport of one gateway, in plain mode or chorus.v1: it watches every accepted TCP connection until it upgrades,
 * and opens a WebSocket, with its session, for each upgrade that {@link UpgradePolicy} accepts. The sessions'
 * heartbeat and drain belong to {@link Sessions}; this endpoint adds its own chores to their tick. One per gateway,
 * touched by its event loop only.
 */
public final class WebSocketEndpoint {

  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
  /** One warning a minute at most: an exhausted node would otherwise log once per connection. */
  private static final long OUT_OF_MEMORY_WARNING_INTERVAL_NANOS = 60_000_000_000L;

  private final Sessions sessions;
  private final ChorusMetrics metrics;
  private final ConnectionLimit connectionLimit;
  private final UpgradePolicy upgradePolicy;
  private final SseEndpoint sse;
  private final HttpConnectionGuard guard;
  private final long handshakeTimeoutNanos;
  private final Refusals refusals;
  private final IncompleteInputs incompleteInputs;
  private final WebSocketDecoderConfig decoderConfig;
  /** For connections that negotiated permessage-deflate: reserved bits reach the connection, which checks them. */
  private final WebSocketDecoderConfig compressedDecoderConfig;
  private final Compression compression;
  /** Null when compression is off, as are the encodings: no deflater is made for nothing. */
  private final Decompressor decompressor;
  private final Encoding compressedPlain;
  private final Encoding compressedStructured;
  /**
   * Frame bytes written to the connections since the last tick, with compression on: counted in plain fields by
   * this event loop, published to the meters once a tick rather than once a delivery.
   */
  private long compressedFrameBytes;
  private long uncompressedFrameBytes;
  private final int maxMessageSize;
  /** Every connection's output bound ({@code max-pending-output}): immutable, so one serves them all. */
  private final WriteBufferWaterMark outputBound;
  private final long closeTimeoutNanos;
  /** The vector of buffers this event loop's connections {@code writev} from; made by the first that needs it. */
  private IovArray iov;
  private long lastOutOfMemoryWarning;

  /**
   * @param sessions    the gateway's sessions: their heartbeat also runs this endpoint's request deadlines
   * @param refusals    the node's count and log of refusals, and of connections closed for what their clients did,
   *                    shared by every gateway
   * @param inputBudget the node's budget for incomplete client input, shared by every gateway
   * @param heartbeat   records each tick of the heartbeat, for the liveness probe
   */
  public WebSocketEndpoint(ChorusConfig config, Sessions sessions, ChorusMetrics metrics,
      ConnectionLimit connectionLimit, Readiness readiness, Refusals refusals, InputBudget inputBudget,
      Liveness.Heartbeat heartbeat) {
    this.sessions = sessions;
    this.metrics = metrics;
    this.connectionLimit = connectionLimit;
    OriginPolicy originPolicy = new OriginPolicy(config.allowedOrigins());
    this.upgradePolicy = new UpgradePolicy(originPolicy, readiness, connectionLimit, sessions.authenticator());
    this.refusals = refusals;
    this.sse = new SseEndpoint(config, sessions, metrics, connectionLimit, readiness, originPolicy, refusals);
    this.handshakeTimeoutNanos = config.timeouts().handshakeTimeout().toNanos();
    this.guard = new HttpConnectionGuard(connectionLimit, metrics, refusals, handshakeTimeoutNanos);
    this.maxMessageSize = config.limits().maxMessageSize();
    // An honest client finishes a message it has begun within a round trip or so; the idle timeout is a generous
    // bound that no live client reaches, and the one an idle client would get anyway.
    this.incompleteInputs = new IncompleteInputs(inputBudget, config.timeouts().idleTimeout().toNanos(), sessions::now);
    // Frames larger than a whole message are refused by the decoder before they are buffered (close 1009). Text is
    // validated once per message, after reassembly (Utf8); Netty's per-frame validator is added only by its
    // WebSocketServerProtocolHandler, which Chorus does not use.
    this.decoderConfig = WebSocketDecoderConfig.newBuilder()
        .maxFramePayloadLength(maxMessageSize)
        .allowExtensions(false)
        .allowMaskMismatch(false)
        .closeOnProtocolViolation(false)
        .build();
    this.compressedDecoderConfig = decoderConfig.toBuilder().allowExtensions(true).build();
    this.compression = config.compression();
    boolean compressing = compression.enabled();
    this.decompressor = compressing ? new Decompressor() : null;
    this.compressedPlain = compressing ? CompressedFrameEncoding.plain(compression.minSize()) : null;
    this.compressedStructured = compressing ? CompressedFrameEncoding.structured(compression.minSize()) : null;
    int maxPendingOutput = config.limits().maxPendingOutput();
    this.outputBound = new WriteBufferWaterMark(maxPendingOutput / 2, maxPendingOutput);
    this.closeTimeoutNanos = config.timeouts().closeTimeout().toNanos();
    sessions.everyTick(now -> {
      heartbeat.ticked(now);
      guard.closeExpired(now);
      incompleteInputs.expire(now);
      refusals.summarizeIfDue(now);
      publishFrameBytes();
    });
  }

  /**
   * A TCP connection was accepted on this gateway: it is held to the node's TCP budget and each of its requests to
   * the handshake timeout, malformed requests on it are refused and WebSocket upgrades taken over, all before
   * Vert.x's HTTP layer sees them; SSE requests too.
   */
  public void accepted(HttpConnection connection) {
    Channel channel = Internals.channel(connection);
    if (TlsHandshakes.done(channel) || guard.admit(channel)) {
      WebSocketUpgrade upgrade = new WebSocketUpgrade(this, upgradePolicy, sse, metrics);
      Internals.addBeforeHttpConnection(channel, "chorus-upgrade", upgrade);
      guard.watch(upgrade, sessions.now());
    }
  }

  /**
   * The gateway's server listens with TLS: its connections are held to the budget and to this gateway's guard from
   * their accept, through their TLS handshake (see {@link TlsHandshakes}).
   */
  public void servesTls(HttpServer server, EventLoop eventLoop) {
    TlsHandshakes.install(server, eventLoop, guard, connectionLimit, refusals, handshakeTimeoutNanos);
  }

  HttpConnectionGuard guard() {
    return guard;
  }

  Refusals refusals() {
    return refusals;
  }

  IncompleteInputs incompleteInputs() {
    return incompleteInputs;
  }

  /**
   * Answers 101 and swaps the HTTP codec for the WebSocket codec (Netty's handshaker), puts a WebSocketConnection in
   * place of the upgrade handler (with a {@link FrameDecoder} as the decoder), and starts its session (which joins
   * the room) once the 101 is written; frames the client sent before that wait in {@link EarlyFrames}. Vert.x's HTTP
   * connection leaves the pipeline: the WebSocketConnection tells Vert.x's meters of the close in its place. With
   * compression on, a client that offers permessage-deflate gets it in the 101 and compressed frames from then on.
   */
  void open(ChannelHandlerContext upgradeCtx, HttpRequest request, UpgradePolicy.Accepted accepted) {
    Channel channel = upgradeCtx.channel();
    ChannelPipeline pipeline = channel.pipeline();
    // Vert.x's idle timeout watched the HTTP connection; from now on the heartbeat watches the WebSocket.
    Internals.removeIdleTimeout(pipeline);
    Internals.HttpConnectionMeter vertxMeter = Internals.detachHttpConnection(pipeline);
    Protocol protocol = accepted.protocol();
    boolean structured = protocol == Protocol.STRUCTURED;
    PerMessageDeflate deflate = compression.enabled()
        ? PerMessageDeflate.negotiate(request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS)).orElse(null)
        : null;
    Encoding roomMessages = deflate != null
        ? (structured ? compressedStructured : compressedPlain)
        : (structured ? StructuredFrameEncoding.INSTANCE : WebSocketFrameEncoding.INSTANCE);
    WebSocketConnection connection = new WebSocketConnection(this, roomMessages, deflate, vertxMeter);
    connection.serve(sessions.open(connection, protocol, accepted.room(), accepted.grant()));
    pipeline.replace(upgradeCtx.handler(), "chorus", connection);
    EarlyFrames early = new EarlyFrames();
    pipeline.addBefore("chorus", "chorus-early-frames", early);
    metrics.handshake(Handshake.ACCEPTED);
    metrics.connectionOpened();
    FullHttpRequest handshakeRequest = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
        request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
    HttpHeaders answer = deflate == null
        ? null
        : new DefaultHttpHeaders().add(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, deflate.answer());
    FrameDecoder.handshaker(webSocketLocation(request), protocol.subprotocol(),
            deflate == null ? decoderConfig : compressedDecoderConfig, connection.input())
        .handshake(channel, handshakeRequest, answer, channel.newPromise())
        .addListener(answered -> {
          if (answered.isSuccess()) {
            connection.start();
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

  /** What inflates the messages of every client of this event loop that agreed to permessage-deflate. */
  Decompressor decompressor() {
    return decompressor;
  }

  /**
   * The vector of buffers this event loop's connections write their frames from ({@link SocketOutput}). Made on
   * first use, by an epoll connection: its size comes from the native transport, which other transports lack. Its
   * memory is a JDK direct buffer, as long-lived as the endpoint.
   */
  IovArray iov() {
    if (iov == null) {
      ByteBuffer memory = ByteBuffer.allocateDirect(Limits.IOV_MAX * IovArray.IOV_SIZE);
      iov = new IovArray(Unpooled.wrappedBuffer(memory).clear());
    }
    return iov;
  }

  boolean compressing() {
    return compression.enabled();
  }

  /** A connection wrote {@code frame}: counted as compressed when RSV1 marks it as a permessage-deflate one. */
  void wroteFrame(ByteBuf frame) {
    if ((frame.getByte(frame.readerIndex()) & WebSocketFrameEncoding.RSV1) != 0) {
      compressedFrameBytes += frame.readableBytes();
    } else {
      uncompressedFrameBytes += frame.readableBytes();
    }
  }

  private void publishFrameBytes() {
    if (compressedFrameBytes != 0 || uncompressedFrameBytes != 0) {
      metrics.frameBytes(compressedFrameBytes, uncompressedFrameBytes);
      compressedFrameBytes = 0;
      uncompressedFrameBytes = 0;
    }
  }

  /** A connection was closed because direct memory ran out: say so, once a minute at most. */
  void outOfDirectMemory(Throwable cause) {
    long now = sessions.now();
    if (lastOutOfMemoryWarning == 0 || now - lastOutOfMemoryWarning > OUT_OF_MEMORY_WARNING_INTERVAL_NANOS) {
      lastOutOfMemoryWarning = now;
      log.warn("Out of direct memory: closing the connections it cannot serve ({})", cause.getMessage());
    }
  }

  /** An accepted upgrade whose connection went away before it could be opened: its slot is given back. */
  void release() {
    connectionLimit.closeWebSocket();
  }

  /** A WebSocket connection ended with {@code closeCode} (1006 when no close frame was sent or received). */
  void closed(int closeCode) {
    connectionLimit.closeWebSocket();
    metrics.connectionClosed(closeCode);
  }

  ChorusMetrics metrics() {
    return metrics;
  }

  /** The event loop's clock, read at its last heartbeat tick: cheap enough for every frame. */
  long now() {
    return sessions.now();
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  WriteBufferWaterMark outputBound() {
    return outputBound;
  }

  long closeTimeoutNanos() {
    return closeTimeoutNanos;
  }
}
