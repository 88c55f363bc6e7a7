package io.chorus.support;

import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;

/** A chorus.v1 client over a real WebSocket: JSON commands out, replies and pushes recorded in order. */
public final class V1Client {

  public static final String PROTOCOL = "chorus.v1";

  private final TestSocket socket;
  private final AtomicLong ids = new AtomicLong();
  /** What {@link #received()} parsed so far: tests that poll thousands of messages parse each once. */
  private final List<JsonObject> parsed = new ArrayList<>();

  private V1Client(TestSocket socket) {
    this.socket = socket;
  }

  /** Connects to {@code path} offering chorus.v1 and waits for the welcome. */
  public static V1Client connect(TestClients clients, String path) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setURI(path).addSubProtocol(PROTOCOL);
    return new V1Client(clients.open(options).compose(TestSocket::welcomed).await(20, TimeUnit.SECONDS));
  }

  public TestSocket socket() {
    return socket;
  }

  /** The first message: the welcome. */
  public JsonObject welcome() {
    return new JsonObject(socket.all().get(0).text());
  }

  /** Everything after the welcome, as JSON objects. */
  public synchronized List<JsonObject> received() {
    List<String> texts = socket.texts();
    for (int i = parsed.size(); i < texts.size(); i++) {
      parsed.add(new JsonObject(texts.get(i)));
    }
    return List.copyOf(parsed);
  }

  /** Sends the command with a fresh numeric id and waits for the reply that echoes it. */
  public JsonObject request(JsonObject command) throws Exception {
    long id = ids.incrementAndGet();
    socket.send(command.copy().put("id", id).encode());
    return await().until(() -> reply(id), reply -> reply != null);
  }

  /** Sends the command with a fresh numeric id without waiting for anything; returns the id. */
  public long sendAsync(JsonObject command) {
    long id = ids.incrementAndGet();
    socket.sendAsync(command.copy().put("id", id).encode());
    return id;
  }

  /** The reply to the command {@code id}, once it came. */
  public JsonObject replyTo(long id, Duration within) {
    return await().atMost(within).until(() -> reply(id), reply -> reply != null);
  }

  /** Sends the text as it is. */
  public void send(String text) throws Exception {
    socket.send(text);
  }

  public JsonObject subscribe(String room) throws Exception {
    return request(new JsonObject().put("type", "subscribe").put("room", room));
  }

  /** Subscribes coming back to the position {@code (epoch, seq)}. */
  public JsonObject resume(String room, String epoch, long seq) throws Exception {
    return request(new JsonObject().put("type", "subscribe").put("room", room)
        .put("since", new JsonObject().put("epoch", epoch).put("seq", seq)));
  }

  public JsonObject publish(String room, Object data) throws Exception {
    return request(new JsonObject().put("type", "publish").put("room", room).put("data", data));
  }

  /** The pushes of {@code type} (message, gap, subscribed without id) for {@code room}, in order. */
  public List<JsonObject> pushes(String type, String room) {
    return received().stream()
        .filter(json -> type.equals(json.getString("type")) && room.equals(json.getString("room"))
            && !json.containsKey("id"))
        .toList();
  }

  /** The data of the room's messages, in the order they came. */
  public List<Object> data(String room) {
    return pushes("message", room).stream().map(json -> json.getValue("data")).toList();
  }

  /** The sequence numbers of the room's messages, in the order they came. */
  public List<Long> seqs(String room) {
    return pushes("message", room).stream().map(json -> json.getLong("seq")).toList();
  }

  public void close() throws Exception {
    socket.close();
  }

  private JsonObject reply(long id) {
    return received().stream()
        .filter(json -> json.getValue("id") instanceof Number number && number.longValue() == id)
        .findFirst().orElse(null);
  }
}
