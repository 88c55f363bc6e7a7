package io.chorus.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A WebSocket client of another implementation, in its own process: the npm {@code ws} client
 * ({@code src/test/node/peer.js}) or Debian's Python {@code wsproto} ({@code src/test/python/peer.py}). Both speak
 * the same lines: a line written is a text message sent; each event comes back as a line, {@code open <extensions>},
 * {@code text <message>}, {@code close <code> <reason>}.
 */
public final class Peer implements AutoCloseable {

  private static final Path NODE_PEER = Path.of("src/test/node/peer.js");
  private static final Path NODE_WS = Path.of("src/test/node/node_modules/ws");
  private static final Path PYTHON_PEER = Path.of("src/test/python/peer.py");

  private final Process process;
  private final OutputStream input;
  private final List<String> events = new CopyOnWriteArrayList<>();

  private Peer(List<String> command) throws IOException {
    this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
    this.input = process.getOutputStream();
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Thread reader = new Thread(() -> output.lines().forEach(events::add), "peer-output");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Installs the npm ws client the first time a test needs it (the version in src/test/node's lock file), so that
   * the README's test command needs nothing but node and npm on the machine.
   */
  private static synchronized void installNodeWs() throws IOException {
    if (Files.isDirectory(NODE_WS)) {
      return;
    }
    Process npm = new ProcessBuilder("npm", "ci", "--prefix", "src/test/node", "--no-audit", "--no-fund")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!npm.waitFor(5, TimeUnit.MINUTES) || npm.exitValue() != 0 || !Files.isDirectory(NODE_WS)) {
        npm.destroyForcibly();
        throw new IllegalStateException("The npm ws client is required, and `npm ci --prefix src/test/node` failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** The npm ws client on {@code ws://127.0.0.1:port/path}, offering permessage-deflate when {@code deflate}. */
  public static Peer nodeWs(int port, String path, boolean deflate) throws IOException {
    installNodeWs();
    List<String> command = new ArrayList<>(List.of("node", NODE_PEER.toString(), "ws://127.0.0.1:" + port + path));
    if (deflate) {
      command.add("deflate");
    }
    return new Peer(command);
  }

  /** Debian's wsproto on {@code ws://127.0.0.1:port/path}, offering permessage-deflate when {@code deflate}. */
  public static Peer wsproto(int port, String path, boolean deflate) throws IOException {
    List<String> command = new ArrayList<>(List.of("/usr/bin/python3", PYTHON_PEER.toString(), "127.0.0.1",
        Integer.toString(port), path));
    if (deflate) {
      command.add("deflate");
    }
    return new Peer(command);
  }

  /** Waits for the handshake and returns the extensions the peer says were negotiated ("-" for none). */
  public String awaitOpen() {
    await().until(() -> events.stream().anyMatch(event -> event.startsWith("open ") || event.startsWith("close ")
        || event.startsWith("error ")));
    String first = events.stream().filter(event -> event.startsWith("open ")).findFirst()
        .orElseThrow(() -> new AssertionError("the peer did not connect: " + events));
    return first.substring("open ".length());
  }

  public void send(String text) throws IOException {
    input.write((text + "\n").getBytes(StandardCharsets.UTF_8));
    input.flush();
  }

  /** The text messages received so far, in order. */
  public List<String> texts() {
    return events.stream().filter(event -> event.startsWith("text ")).map(event -> event.substring(5)).toList();
  }

  /** Every event so far, for failure messages. */
  public List<String> events() {
    return List.copyOf(events);
  }

  @Override
  public void close() throws Exception {
    input.close();
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
