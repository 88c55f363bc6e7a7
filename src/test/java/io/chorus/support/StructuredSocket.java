package io.chorus.support;

import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/**
 * A chorus.v1 client over a {@link TestSocket}: sends commands with increasing ids and reads every frame the server
 * sent as a JSON object, in order.
 */
public final class StructuredSocket implements AutoCloseable {

  private final TestSocket socket;
  private final AtomicLong ids = new AtomicLong();
  private final List<JsonObject> frames = new ArrayList<>();
  private int parsed;

  private StructuredSocket(TestSocket socket) {
    this.socket = socket;
  }

  /** Connects to {@code path} offering chorus.v1 and waits for the welcome. */
  public static StructuredSocket connect(TestClients clients, String path) throws Exception {
    TestSocket socket = clients.open(new WebSocketConnectOptions().setURI(path).addSubProtocol("chorus.v1"))
        .compose(TestSocket::welcomed)
        .await(20, TimeUnit.SECONDS);
    return new StructuredSocket(socket);
  }

  /** Sends the command with the next id, without waiting; returns the id. */
  public long send(JsonObject command) {
    long id = ids.incrementAndGet();
    socket.sendAsync(command.copy().put("id", id).encode());
    return id;
  }

  /** The reply to the command {@code id}, once it came. */
  public JsonObject reply(long id, Duration within) {
    return await().atMost(within).until(() -> replyTo(id), reply -> reply != null);
  }

  public JsonObject subscribe(String room) {
    return reply(send(new JsonObject().put("type", "subscribe").put("room", room)), Duration.ofSeconds(20));
  }

  /** Subscribes coming back from {@code epoch}/{@code seq}; waits for the reply as long as {@code within}. */
  public JsonObject resume(String room, String epoch, long seq, Duration within) {
    JsonObject since = new JsonObject().put("epoch", epoch).put("seq", seq);
    return reply(send(new JsonObject().put("type", "subscribe").put("room", room).put("since", since)), within);
  }

  public long publishAsync(String room, Object data) {
    return send(new JsonObject().put("type", "publish").put("room", room).put("data", data));
  }

  /** Publishes and returns the ack. */
  public JsonObject publish(String room, Object data) {
    return reply(publishAsync(room, data), Duration.ofSeconds(20));
  }

  /** Every frame received after the welcome, in order. */
  public synchronized List<JsonObject> frames() {
    List<String> texts = socket.texts();
    for (; parsed < texts.size(); parsed++) {
      frames.add(new JsonObject(texts.get(parsed)));
    }
    return List.copyOf(frames);
  }

  /** The frames of one type about one room, in order. */
  public List<JsonObject> frames(String type, String room) {
    return frames().stream()
        .filter(frame -> type.equals(frame.getString("type")) && room.equals(frame.getString("room")))
        .toList();
  }

  /** The {@code message} pushes of the room, in order. */
  public List<JsonObject> messages(String room) {
    return frames("message", room);
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  @Override
  public void close() throws Exception {
    if (!socket.isClosed()) {
      socket.close();
    }
  }

  private JsonObject replyTo(long id) {
    for (JsonObject frame : frames()) {
      if (frame.getValue("id") instanceof Number number && number.longValue() == id) {
        return frame;
      }
    }
    return null;
  }
}
