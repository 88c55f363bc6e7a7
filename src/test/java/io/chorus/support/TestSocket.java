package io.chorus.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketConnectOptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One client WebSocket that records every message it receives, in order. */
public final class TestSocket {

  /** A received message: its frame type, bytes, and when it arrived ({@link System#nanoTime()}). */
  public record Received(boolean binary, byte[] data, long receivedNanos) {
    public String text() {
      return new String(data, StandardCharsets.UTF_8);
    }
  }

  public static final String WELCOME = "{\"type\":\"welcome\",\"message\":\"Welcome to the chat!\"}";

  private final ClientWebSocket webSocket;
  private final List<Received> received = new ArrayList<>();
  private final Promise<TestSocket> welcomed = Promise.promise();
  private final Promise<Void> closed = Promise.promise();

  TestSocket(ClientWebSocket webSocket) {
    this.webSocket = webSocket;
    webSocket.textMessageHandler(
        text -> record(new Received(false, text.getBytes(StandardCharsets.UTF_8), System.nanoTime())));
    webSocket.binaryMessageHandler(data -> record(new Received(true, data.getBytes(), System.nanoTime())));
    webSocket.closeHandler(v -> closed.tryComplete());
  }

  Future<Void> connect(WebSocketConnectOptions options) {
    return webSocket.connect(options).mapEmpty();
  }

  Future<TestSocket> welcomed() {
    return welcomed.future();
  }

  public void send(String text) throws Exception {
    webSocket.writeTextMessage(text).await(10, TimeUnit.SECONDS);
  }

  public void send(byte[] data) throws Exception {
    webSocket.writeBinaryMessage(Buffer.buffer(data)).await(10, TimeUnit.SECONDS);
  }

  public Future<Void> sendAsync(String text) {
    return webSocket.writeTextMessage(text);
  }

  public ClientWebSocket webSocket() {
    return webSocket;
  }

  /** Everything received after the welcome message. */
  public synchronized List<Received> messages() {
    return List.copyOf(received.subList(Math.min(1, received.size()), received.size()));
  }

  /** The text of everything received after the welcome message. */
  public List<String> texts() {
    return messages().stream().map(Received::text).toList();
  }

  public synchronized List<Received> all() {
    return List.copyOf(received);
  }

  public synchronized int messageCount() {
    return Math.max(0, received.size() - 1);
  }

  public boolean isClosed() {
    return closed.future().isComplete();
  }

  /**
   * Completes once the connection has closed, on the client's event loop and after every message it received was
   * recorded: a handler on it may read {@link #all()} as complete.
   */
  public Future<Void> closed() {
    return closed.future();
  }

  /** The close code the server sent, once closed (1006 when the connection ended without a close frame). */
  public Short closeStatus() {
    return webSocket.closeStatusCode();
  }

  public String closeReason() {
    return webSocket.closeReason();
  }

  public void close() throws Exception {
    webSocket.close().await(10, TimeUnit.SECONDS);
  }

  private synchronized void record(Received message) {
    received.add(message);
    if (received.size() == 1) {
      welcomed.tryComplete(this);
    }
  }
}
