package io.chorus.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real WebSocket clients, on a Vert.x instance of their own, so that they never share an event loop with the server. */
public final class TestClients implements AutoCloseable {

  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  // Held in a field: Vert.x closes a WebSocketClient that is no longer reachable.
  private final WebSocketClient client;
  private final int port;

  public TestClients(int port) {
    this(port, new WebSocketClientOptions());
  }

  /** Clients that connect with these options: {@code wss://} ones with their TLS settings, for instance. */
  public TestClients(int port, WebSocketClientOptions options) {
    this.port = port;
    this.client = vertx.createWebSocketClient(options
        .setMaxConnections(50_000)
        .setMaxFrameSize(16 << 20)
        .setMaxMessageSize(16 << 20));
  }

  /** Connects to {@code path} and waits for the welcome message. */
  public TestSocket connect(String path) throws Exception {
    return connectAsync(path).await(20, TimeUnit.SECONDS);
  }

  /** Connects {@code count} clients to {@code path} at once and waits until every one has its welcome message. */
  public List<TestSocket> connect(String path, int count) throws Exception {
    List<Future<TestSocket>> pending = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      pending.add(connectAsync(path));
    }
    Future.all(pending).await(60, TimeUnit.SECONDS);
    return pending.stream().map(Future::result).toList();
  }

  /** Opens the WebSocket without waiting for anything; the caller inspects what the server sends. */
  public Future<TestSocket> open(WebSocketConnectOptions options) {
    TestSocket socket = new TestSocket(client.webSocket());
    return socket.connect(options.setPort(port).setHost("127.0.0.1")).map(socket);
  }

  private Future<TestSocket> connectAsync(String path) {
    return open(new WebSocketConnectOptions().setURI(path)).compose(TestSocket::welcomed);
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
