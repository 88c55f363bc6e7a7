package io.chorus.support;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Debian's headless Chromium, driven over the Chrome DevTools Protocol: open tabs, run JavaScript in them, read
 * the page back. No WebDriver, no browser download. Every {@code *.example} host name resolves to 127.0.0.1, so
 * that a test can serve pages of other origins from loopback.
 */
public final class Browser implements AutoCloseable {

  private static final Pattern DEVTOOLS_URL = Pattern.compile("DevTools listening on (ws://\\S+)");

  private final Process process;
  private final Path profile;
  private final WebSocket devtools;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

  private Browser(Process process, Path profile, WebSocket devtools) {
    this.process = process;
    this.profile = profile;
    this.devtools = devtools;
  }

  /** Starts Chromium; fails with a clear message when it is not installed. */
  public static Browser launch() throws Exception {
    return launch(List.of());
  }

  /** Starts Chromium with these command-line flags too ({@code --ignore-certificate-errors}, say). */
  public static Browser launch(List<String> flags) throws Exception {
    Path executable = Path.of("/usr/bin/chromium");
    if (!Files.isExecutable(executable)) {
      throw new IllegalStateException("Chromium is required for browser tests: apt-get install chromium");
    }
    Path profile = Files.createTempDirectory("chorus-chromium");
    List<String> command = new java.util.ArrayList<>(List.of(executable.toString(),
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--host-resolver-rules=MAP *.example 127.0.0.1",
        "--user-data-dir=" + profile, "--remote-debugging-port=0"));
    command.addAll(flags);
    command.add("about:blank");
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .start();
    String url = readDevtoolsUrl(process);
    Browser[] self = new Browser[1];
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create(url), new Listener(message -> self[0].receive(message)))
        .get(20, TimeUnit.SECONDS);
    self[0] = new Browser(process, profile, socket);
    return self[0];
  }

  /**
   * Opens a tab on {@code url}. {@code beforeLoad} runs in the page before any of its own scripts (may be empty).
   */
  public Tab open(String url, String beforeLoad) throws Exception {
    String targetId = call(null, "Target.createTarget", new JsonObject().put("url", "about:blank")).getString("targetId");
    String session = call(null, "Target.attachToTarget",
        new JsonObject().put("targetId", targetId).put("flatten", true)).getString("sessionId");
    call(session, "Page.enable", new JsonObject());
    if (!beforeLoad.isEmpty()) {
      call(session, "Page.addScriptToEvaluateOnNewDocument", new JsonObject().put("source", beforeLoad));
    }
    call(session, "Page.navigate", new JsonObject().put("url", url));
    return new Tab(session);
  }

  /** One open tab. */
  public final class Tab {
    private final String session;

    private Tab(String session) {
      this.session = session;
    }

    /** Evaluates a JavaScript expression (promises are awaited) and returns its value. */
    public Object eval(String expression) throws Exception {
      JsonObject result = call(session, "Runtime.evaluate", new JsonObject()
          .put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
      if (result.containsKey("exceptionDetails")) {
        throw new IllegalStateException("JavaScript failed: " + result.getJsonObject("exceptionDetails").encode());
      }
      return result.getJsonObject("result").getValue("value");
    }

    /** The text content of the first element matching a CSS selector, or "" when there is none. */
    public String text(String selector) throws Exception {
      Object value = eval("(document.querySelector(" + Json.encode(selector) + ") || {}).textContent || ''");
      return value == null ? "" : value.toString();
    }

    /** Lays the page out as a phone's screen of {@code width} × {@code height} CSS pixels would. */
    public void viewport(int width, int height) throws Exception {
      call(session, "Emulation.setDeviceMetricsOverride", new JsonObject()
          .put("width", width).put("height", height).put("deviceScaleFactor", 1).put("mobile", true));
    }

    /**
     * Presses and releases a key that types no character ("Tab", key code 9) as a user would, so that the page sees
     * keyboard use.
     */
    public void press(String key, int keyCode) throws Exception {
      for (String type : new String[] {"rawKeyDown", "keyUp"}) {
        call(session, "Input.dispatchKeyEvent", new JsonObject().put("type", type).put("key", key).put("code", key)
            .put("windowsVirtualKeyCode", keyCode));
      }
    }

    /** Saves what the tab shows as a PNG, creating its folder. */
    public void screenshot(Path file) throws Exception {
      String png = call(session, "Page.captureScreenshot", new JsonObject().put("format", "png")).getString("data");
      Files.createDirectories(file.getParent());
      Files.write(file, java.util.Base64.getDecoder().decode(png));
    }

    /** The text of every element matching a CSS selector, in document order. */
    public List<String> texts(String selector) throws Exception {
      Object value = eval("JSON.stringify([...document.querySelectorAll(" + Json.encode(selector)
          + ")].map(e => e.textContent))");
      return new JsonArray(value.toString()).stream().map(Object::toString).toList();
    }
  }

  private JsonObject call(String session, String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonObject> answer = new CompletableFuture<>();
    pending.put(id, answer);
    JsonObject request = new JsonObject().put("id", id).put("method", method).put("params", params);
    if (session != null) {
      request.put("sessionId", session);
    }
    synchronized (devtools) {
      devtools.sendText(request.encode(), true).get(10, TimeUnit.SECONDS);
    }
    JsonObject response = answer.get(20, TimeUnit.SECONDS);
    if (response.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + response.getJsonObject("error").encode());
    }
    return response.getJsonObject("result");
  }

  private void receive(String message) {
    JsonObject json = new JsonObject(message);
    Integer id = json.getInteger("id");
    if (id != null) {
      CompletableFuture<JsonObject> answer = pending.remove(id);
      if (answer != null) {
        answer.complete(json);
      }
    }
  }

  private static String readDevtoolsUrl(Process process) throws IOException {
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = output.readLine()) != null) {
      Matcher matcher = DEVTOOLS_URL.matcher(line);
      if (matcher.find()) {
        Thread drain = new Thread(() -> output.lines().forEach(ignored -> { }), "chromium-output");
        drain.setDaemon(true);
        drain.start();
        return matcher.group(1);
      }
      seen.append(line).append('\n');
    }
    throw new IOException("Chromium exited before opening DevTools:\n" + seen);
  }

  @Override
  public void close() throws Exception {
    devtools.abort();
    // Chromium's helper processes (network service, renderers) write to the profile too: all of them end first.
    List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
    tree.forEach(ProcessHandle::destroy);
    for (ProcessHandle member : tree) {
      try {
        member.onExit().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException stuck) {
        member.destroyForcibly();
      }
    }
    try (Stream<Path> files = Files.walk(profile)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  /** Reassembles DevTools messages, which may arrive in parts. */
  private static final class Listener implements WebSocket.Listener {
    private final java.util.function.Consumer<String> sink;
    private final StringBuilder partial = new StringBuilder();

    Listener(java.util.function.Consumer<String> sink) {
      this.sink = sink;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        sink.accept(partial.toString());
        partial.setLength(0);
      }
      webSocket.request(1);
      return null;
    }
  }
}
