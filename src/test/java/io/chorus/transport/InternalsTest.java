package io.chorus.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.ServerChannel;
import io.netty.util.concurrent.GenericFutureListener;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract between Chorus and the Vert.x and Netty internals it reaches through {@link Internals}, checked on a
 * real Vert.x HTTP server: when an upgrade renames a handler or changes a type, this fails, not production.
 */
class InternalsTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void anHttpConnectionHasTheChannelAndHandlerNamesChorusRelyOn() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    CompletableFuture<Boolean> connectionHandlerLast = new CompletableFuture<>();
    CompletableFuture<Boolean> onItsEventLoop = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setIdleTimeout(30))
        .connectionHandler(connection -> {
          Channel channel = Internals.channel(connection);
          names.complete(channel.pipeline().names());
          connectionHandlerLast.complete(
              channel.pipeline().last() == channel.pipeline().get(Internals.HTTP_CONNECTION_HANDLER));
          onItsEventLoop.complete(channel.eventLoop() == Internals.eventLoop(Vertx.currentContext()));
          Internals.addBeforeHttpConnection(channel, "probe", new ChannelInboundHandlerAdapter());
          Internals.removeIdleTimeout(channel.pipeline());
        })
        .requestHandler(request -> request.response().end("ok"));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readNBytes(15), StandardCharsets.US_ASCII))
          .isEqualTo("HTTP/1.1 200 OK");
    }

    List<String> pipeline = names.get(10, TimeUnit.SECONDS);
    assertThat(pipeline).contains(Internals.IDLE_HANDLER);
    assertThat(pipeline).contains(Internals.HTTP_CONNECTION_HANDLER);
    assertThat(pipeline).as("the encoder SSE streams write their shared chunks below").contains(Internals.HTTP_ENCODER);
    assertThat(pipeline.indexOf(Internals.HTTP_ENCODER)).isLessThan(pipeline.indexOf(Internals.HTTP_CONNECTION_HANDLER));
    assertThat(connectionHandlerLast.get(10, TimeUnit.SECONDS))
        .as("Vert.x's connection handler is the last one, the place Chorus's handlers go before").isTrue();
    assertThat(onItsEventLoop.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void serversSharingAPortShowTheOneListeningSocketTheyShare() throws Exception {
    HttpServer first = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(-1))
        .requestHandler(request -> request.response().end("ok"));
    HttpServer second = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(-1))
        .requestHandler(request -> request.response().end("ok"));
    first.listen().await(10, TimeUnit.SECONDS);
    second.listen().await(10, TimeUnit.SECONDS);

    Channel listening = Internals.listeningChannel(first);

    assertThat(listening).isInstanceOf(ServerChannel.class);
    assertThat(((InetSocketAddress) listening.localAddress()).getPort()).isEqualTo(first.actualPort());
    assertThat(Internals.listeningChannel(second)).isSameAs(listening);
  }

  @Test
  void vertxsHttpConnectionCanBeTakenOutOfItsPipeline() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    CompletableFuture<Internals.HttpConnectionMeter> meter = new CompletableFuture<>();
    CompletableFuture<List<GenericFutureListener<?>>> closeListenersBefore = new CompletableFuture<>();
    CompletableFuture<List<GenericFutureListener<?>>> closeListenersAfter = new CompletableFuture<>();
    HttpServer server = vertx.createHttpServer()
        .requestHandler(request -> {
          Channel channel = Internals.channel(request.connection());
          // Once the answer is written, as an upgrade takes a connection that Vert.x no longer answers.
          request.response().end("ok").onComplete(answered -> channel.eventLoop().execute(() -> {
            try {
              closeListenersBefore.complete(List.copyOf(Internals.closeListeners(channel.closeFuture())));
              meter.complete(Internals.detachHttpConnection(channel.pipeline()));
              closeListenersAfter.complete(List.copyOf(Internals.closeListeners(channel.closeFuture())));
              names.complete(channel.pipeline().names());
            } catch (RuntimeException e) {
              names.completeExceptionally(e);
            }
          }));
        });
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(names.get(10, TimeUnit.SECONDS)).doesNotContain(Internals.HTTP_CONNECTION_HANDLER);
      assertThat(meter.get(10, TimeUnit.SECONDS)).as("no meter where Vert.x's metrics are off").isNull();
    }
    List<GenericFutureListener<?>> before = closeListenersBefore.get(10, TimeUnit.SECONDS);
    assertThat(before).as("Vert.x's close promises, which the detached connection no longer needs")
        .anyMatch(listener -> listener instanceof Future<?>);
    assertThat(closeListenersAfter.get(10, TimeUnit.SECONDS))
        .as("the other listeners of the close (the server's channel group) stay, in their order")
        .containsExactlyElementsOf(before.stream().filter(listener -> !(listener instanceof Future<?>)).toList())
        .isNotEmpty();
  }

  @Test
  void aContextRunsOnTheEventLoopChorusTakesFromIt() throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Boolean> same = new CompletableFuture<>();
    EventLoop eventLoop = Internals.eventLoop(context);

    context.runOnContext(v -> same.complete(eventLoop.inEventLoop()));

    assertThat(same.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aNettyBufferBecomesAVertxBufferOverTheSameBytes() {
    Buffer buffer = Internals.buffer(Unpooled.wrappedBuffer("exposition".getBytes(StandardCharsets.US_ASCII)));

    assertThat(buffer.toString(StandardCharsets.US_ASCII)).isEqualTo("exposition");
  }

  /** Run as the jar runs the server (java.nio opened, see the pom and Main): Netty allocates and counts itself. */
  @Test
  void nettyCountsItsDirectMemoryAgainstALimit() {
    assertThat(Internals.maxDirectMemory()).isPositive();
    assertThat(Internals.usedDirectMemory()).as("-1 when Netty leaves direct memory to the JDK").isNotNegative();
  }
}
