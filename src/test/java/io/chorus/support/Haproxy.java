package io.chorus.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Debian's HAProxy in a process of its own, running {@code deploy/haproxy/haproxy.cfg} as committed: the file takes
 * its addresses from the environment, and this class sets them to the test's ports, so that the test runs the very
 * configuration an operator deploys. {@link #stats()} reads HAProxy's view of each node from its stats page.
 */
public final class Haproxy implements AutoCloseable {

  private static final Path CONFIG = Path.of("deploy/haproxy/haproxy.cfg");
  private static final Path EXECUTABLE = Path.of("/usr/sbin/haproxy");

  /** HAProxy's view of the backend: each node by server name ({@code node1} ..), and how often it retried. */
  public record Stats(Map<String, Server> servers, long retries, long redispatches) {
  }

  /**
   * One node: {@code UP}, {@code DOWN} or a transition ({@code UP 1/2}), the last check's result ({@code L7OK},
   * {@code L7STS} for a wrong status, {@code L4CON} for a refused connection) and HTTP status, and the connections
   * it was given so far.
   */
  public record Server(String status, String checkStatus, String checkCode, long connections) {
  }

  private final Process process;
  private final Path log;
  private final int port;
  private final int statsPort;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Haproxy(Process process, Path log, int port, int statsPort) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.statsPort = statsPort;
  }

  /**
   * Starts HAProxy in front of nodes listening on {@code 127.0.0.1:ports[i]}, checked on {@code managementPorts[i]},
   * and waits until its stats page answers.
   */
  public static Haproxy start(int[] ports, int[] managementPorts) throws Exception {
    if (!Files.isExecutable(EXECUTABLE)) {
      throw new IllegalStateException("HAProxy is required for this test: apt-get install haproxy");
    }
    int[] own = Sockets.freePorts(2);
    Path log = Files.createTempFile("haproxy", ".log");
    ProcessBuilder builder = new ProcessBuilder(EXECUTABLE.toString(), "-db", "-f", CONFIG.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    Map<String, String> environment = builder.environment();
    environment.put("LB_BIND", "127.0.0.1:" + own[0]);
    environment.put("LB_STATS_BIND", "127.0.0.1:" + own[1]);
    for (int node = 0; node < ports.length; node++) {
      environment.put("NODE" + (node + 1) + "_ADDR", "127.0.0.1:" + ports[node]);
      environment.put("NODE" + (node + 1) + "_MANAGEMENT_PORT", Integer.toString(managementPorts[node]));
    }
    Haproxy haproxy = new Haproxy(builder.start(), log, own[0], own[1]);
    try {
      await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .failFast("HAProxy exited", () -> !haproxy.process.isAlive())
          .until(() -> !haproxy.stats().servers().isEmpty());
    } catch (RuntimeException failed) {
      String output = haproxy.output();
      haproxy.close();
      throw new IllegalStateException("HAProxy did not start; output:\n" + output, failed);
    }
    return haproxy;
  }

  /** The port clients connect to. */
  public int port() {
    return port;
  }

  /** The stats page's rows of the backend, as they are now. */
  public Stats stats() throws IOException, InterruptedException {
    String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    List<String> lines = csv.lines().toList();
    List<String> header = Arrays.asList(lines.get(0).replaceFirst("^# ", "").split(",", -1));
    Map<String, Server> servers = new TreeMap<>();
    long retries = 0;
    long redispatches = 0;
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.split(",", -1);
      if (!"chorus".equals(fields[0]) || "FRONTEND".equals(fields[1])) {
        continue;
      }
      if ("BACKEND".equals(fields[1])) {
        retries = number(fields[header.indexOf("wretr")]);
        redispatches = number(fields[header.indexOf("wredis")]);
      } else {
        servers.put(fields[1], new Server(fields[header.indexOf("status")], fields[header.indexOf("check_status")],
            fields[header.indexOf("check_code")], number(fields[header.indexOf("stot")])));
      }
    }
    return new Stats(servers, retries, redispatches);
  }

  /** Everything HAProxy printed so far: warnings and one log line per request or WebSocket. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output unreadable: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }

  private static long number(String field) {
    return field.isEmpty() ? 0 : Long.parseLong(field);
  }
}
