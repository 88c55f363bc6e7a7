package io.chorus.support;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain TCP socket, written by hand so that tests can send what no well-behaved client
 * library would: reserved bits and opcodes, unmasked frames, oversized control frames, a TCP reset.
 */
public final class RawWebSocket implements AutoCloseable {

  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CONTINUATION = 0x0;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;

  /** A frame the server sent; {@code rsv1} marks a permessage-deflate payload. */
  public record Frame(int opcode, boolean fin, byte[] payload, boolean rsv1) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    public int closeCode() {
      return payload.length < 2 ? 1005 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    public String closeReason() {
      return payload.length < 2 ? "" : new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8);
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final int status;
  private final Map<String, String> headers;

  private RawWebSocket(Socket socket, int status, Map<String, String> headers) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
    this.status = status;
    this.headers = headers;
  }

  /** Sends a valid upgrade request for {@code path} plus {@code extraHeaders} and reads the response head. */
  public static RawWebSocket connect(int port, String path, Map<String, String> extraHeaders) throws IOException {
    Map<String, String> request = upgradeHeaders(port);
    request.putAll(extraHeaders);
    return request(port, "GET " + path + " HTTP/1.1", request);
  }

  public static RawWebSocket connect(int port, String path) throws IOException {
    return connect(port, path, Map.of());
  }

  /**
   * Like {@link #connect(int, String)}, with a small kernel receive buffer: a client that stops reading then
   * fills up quickly.
   */
  public static RawWebSocket connectWithReceiveBuffer(int port, String path, int receiveBufferBytes)
      throws IOException {
    return connectWithReceiveBuffer(port, path, receiveBufferBytes, Map.of());
  }

  /** Like {@link #connectWithReceiveBuffer(int, String, int)}, with {@code extraHeaders} in the upgrade request. */
  public static RawWebSocket connectWithReceiveBuffer(int port, String path, int receiveBufferBytes,
      Map<String, String> extraHeaders) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(receiveBufferBytes);
    Map<String, String> request = upgradeHeaders(port);
    request.putAll(extraHeaders);
    return request(socket, port, "GET " + path + " HTTP/1.1", request);
  }

  /**
   * Sends a valid upgrade request for {@code path} and {@code frames} in one write, as a client that does not wait
   * for the 101 may, and reads the response head.
   */
  public static RawWebSocket connectSending(int port, String path, byte[] frames) throws IOException {
    return request(new Socket(), port, "GET " + path + " HTTP/1.1", upgradeHeaders(port), frames);
  }

  /** Sends any request line and headers (a null value drops a header) and reads the response head. */
  public static RawWebSocket request(int port, String requestLine, Map<String, String> requestHeaders) throws IOException {
    return request(new Socket(), port, requestLine, requestHeaders);
  }

  private static Map<String, String> upgradeHeaders(int port) {
    Map<String, String> request = new LinkedHashMap<>();
    request.put("Host", "127.0.0.1:" + port);
    request.put("Upgrade", "websocket");
    request.put("Connection", "Upgrade");
    request.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(randomBytes(16)));
    request.put("Sec-WebSocket-Version", "13");
    return request;
  }

  private static RawWebSocket request(Socket socket, int port, String requestLine, Map<String, String> requestHeaders)
      throws IOException {
    return request(socket, port, requestLine, requestHeaders, new byte[0]);
  }

  private static RawWebSocket request(Socket socket, int port, String requestLine, Map<String, String> requestHeaders,
      byte[] sentWithRequest) throws IOException {
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    StringBuilder head = new StringBuilder(requestLine).append("\r\n");
    requestHeaders.forEach((name, value) -> {
      if (value != null) {
        head.append(name).append(": ").append(value).append("\r\n");
      }
    });
    head.append("\r\n");
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(head.toString().getBytes(StandardCharsets.US_ASCII));
    request.writeBytes(sentWithRequest);
    socket.getOutputStream().write(request.toByteArray());
    socket.getOutputStream().flush();
    String[] lines = readHead(socket.getInputStream()).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
    }
    return new RawWebSocket(socket, status, headers);
  }

  public int status() {
    return status;
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** Reads the rest of a non-upgrade response body (Content-Length bytes). */
  public String body() throws IOException {
    int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
    byte[] body = new byte[length];
    in.readFully(body);
    return new String(body, StandardCharsets.UTF_8);
  }

  /** Sends one frame exactly as described: {@code firstByte} carries FIN, RSV and opcode. */
  public void sendRaw(int firstByte, byte[] payload, boolean masked) throws IOException {
    sendBytes(encode(firstByte, payload, masked));
  }

  /** A masked client frame, for sending several in one write. */
  public static byte[] frame(int firstByte, byte[] payload) {
    return encode(firstByte, payload, true);
  }

  public void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  private static byte[] encode(int firstByte, byte[] payload, boolean masked) {
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    frame.write(firstByte);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      frame.write(maskBit | payload.length);
    } else if (payload.length <= 0xFFFF) {
      frame.write(maskBit | 126);
      frame.write(payload.length >>> 8);
      frame.write(payload.length);
    } else {
      frame.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        frame.write((int) ((long) payload.length >>> shift));
      }
    }
    if (masked) {
      byte[] key = randomBytes(4);
      frame.writeBytes(key);
      for (int i = 0; i < payload.length; i++) {
        frame.write(payload[i] ^ key[i & 3]);
      }
    } else {
      frame.writeBytes(payload);
    }
    return frame.toByteArray();
  }

  public void send(int opcode, boolean fin, byte[] payload) throws IOException {
    sendRaw((fin ? 0x80 : 0) | opcode, payload, true);
  }

  public void sendText(String text) throws IOException {
    send(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads the next frame, waiting at most the socket timeout. */
  public Frame read() throws IOException {
    int first = in.readUnsignedByte();
    int second = in.readUnsignedByte();
    long length = second & 0x7F;
    if (length == 126) {
      length = in.readUnsignedShort();
    } else if (length == 127) {
      length = in.readLong();
    }
    byte[] payload = new byte[(int) length];
    in.readFully(payload);
    return new Frame(first & 0x0F, (first & 0x80) != 0, payload, (first & 0x40) != 0);
  }

  /** Reads frames until a close frame arrives and returns it, skipping data and pings. */
  public Frame readClose() throws IOException {
    while (true) {
      Frame frame = read();
      if (frame.opcode() == CLOSE) {
        return frame;
      }
    }
  }

  /** True when the server ends the TCP connection cleanly (end of stream), false when it resets it. */
  public boolean endsWithoutReset() throws IOException {
    try {
      while (in.read() >= 0) {
        continue;
      }
      return true;
    } catch (java.net.SocketException reset) {
      return false;
    }
  }

  /** True once the server has closed the TCP connection (end of stream or reset). */
  public boolean awaitEndOfStream() throws IOException {
    try {
      while (in.read() >= 0) {
        continue;
      }
      return true;
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  public void setReadTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  /** Drops the connection with a TCP reset, like a client whose machine vanished. */
  public void reset() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed before the response head ended: " + head);
      }
      head.write(b);
      matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    return text.substring(0, text.length() - 4);
  }

  private static byte[] randomBytes(int count) {
    byte[] bytes = new byte[count];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }
}
