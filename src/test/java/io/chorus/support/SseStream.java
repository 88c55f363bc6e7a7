package io.chorus.support;

import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An SSE client over a plain socket, as a browser's EventSource reads a stream: the response head, then the chunked
 * body parsed into events (id, event, data) and comments, in a background thread, until the server ends the stream.
 */
public final class SseStream implements AutoCloseable {

  /** One dispatched event; {@code id} is the last event id as the client holds it after this event. */
  public record Event(String id, String type, String data) {
    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final int status;
  private final Map<String, String> headers = new LinkedHashMap<>();
  private final List<Event> events = new ArrayList<>();
  private int comments;
  private volatile boolean ended;
  private String lastId = "";

  private SseStream(Socket socket, Map<String, String> requestHeaders, String path) throws IOException {
    this.socket = socket;
    StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Accept: text/event-stream\r\n");
    requestHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
    this.in = socket.getInputStream();
    String statusLine = line();
    this.status = Integer.parseInt(statusLine.split(" ")[1]);
    for (String header = line(); !header.isEmpty(); header = line()) {
      int colon = header.indexOf(':');
      headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
    }
  }

  /** Opens {@code path} with the given request headers (Last-Event-ID, Origin) and starts reading events if 200. */
  public static SseStream open(int port, String path, Map<String, String> requestHeaders) throws IOException {
    SseStream stream = new SseStream(new Socket("127.0.0.1", port), requestHeaders, path);
    if (stream.status == 200) {
      Thread reader = new Thread(stream::readEvents, "sse-reader");
      reader.setDaemon(true);
      reader.start();
    }
    return stream;
  }

  public static SseStream open(int port, String path) throws IOException {
    return open(port, path, Map.of());
  }

  /**
   * Opens {@code path} with a small receive buffer and reads nothing past the response head until {@link #resume()}:
   * a client that stops reading.
   */
  public static SseStream openPaused(int port, String path, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBufferBytes);
    socket.connect(new InetSocketAddress("127.0.0.1", port));
    return new SseStream(socket, Map.of(), path);
  }

  /** Starts reading the events of a stream opened paused. */
  public void resume() {
    Thread reader = new Thread(this::readEvents, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  public int status() {
    return status;
  }

  /** A response header, by lower-case name; null when absent. */
  public String header(String name) {
    return headers.get(name);
  }

  /** The body of a refusal (a short plain-text answer). */
  public String body() throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }

  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  public synchronized List<Event> events(String type) {
    return events.stream().filter(event -> event.type().equals(type)).toList();
  }

  /** The chorus.v1 message objects received for {@code room}, in order. */
  public List<JsonObject> messages(String room) {
    return events("message").stream().map(Event::json).filter(json -> json.getString("room").equals(room)).toList();
  }

  public synchronized String lastEventId() {
    return lastId;
  }

  public synchronized int comments() {
    return comments;
  }

  /** Whether the server ended the stream (last chunk, or the connection closed). */
  public boolean ended() {
    return ended;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Dechunks the body and parses it line by line, as WHATWG HTML 9.2.6 describes. */
  private void readEvents() {
    try {
      ByteArrayOutputStream pending = new ByteArrayOutputStream();
      String type = "";
      StringBuilder data = null;
      while (true) {
        int size = Integer.parseInt(line().trim(), 16);
        if (size == 0) {
          break;
        }
        pending.write(in.readNBytes(size));
        line();
        byte[] bytes = pending.toByteArray();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
          if (bytes[i] != '\n') {
            continue;
          }
          String field = new String(bytes, start, i - start, StandardCharsets.UTF_8);
          start = i + 1;
          if (field.isEmpty()) {
            if (data != null) {
              synchronized (this) {
                events.add(new Event(lastId, type.isEmpty() ? "message" : type, data.toString()));
              }
            }
            type = "";
            data = null;
          } else if (field.startsWith(":")) {
            synchronized (this) {
              comments++;
            }
          } else if (field.startsWith("id: ")) {
            synchronized (this) {
              lastId = field.substring(4);
            }
          } else if (field.startsWith("event: ")) {
            type = field.substring(7);
          } else if (field.startsWith("data: ")) {
            data = data == null ? new StringBuilder(field.substring(6)) : data.append('\n').append(field.substring(6));
          }
        }
        pending.reset();
        pending.write(bytes, start, bytes.length - start);
      }
    } catch (IOException | RuntimeException endedOrBroken) {
      // The end of the stream is all a test needs to know.
    } finally {
      ended = true;
    }
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("stream ended");
      }
      if (b != '\r') {
        line.write(b);
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }
}
