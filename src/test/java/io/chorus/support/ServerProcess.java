package io.chorus.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Chorus as users run it: {@code java -jar target/chorus.jar} in a JVM of its own, for what only a real process
 * shows (signals, exit codes, clusters of separate JVMs). Its output goes to a file, which stays readable after the
 * process exits.
 */
public final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING =
      Pattern.compile("Chorus listening on https?://[^:]+:(\\d+)/ .* /metrics and /health/\\* at https?://[^:]+:(\\d+)/");

  private final Process process;
  private final Path log;
  private int port;
  private int managementPort;

  private ServerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts the packaged jar with the given JVM options and flags, and waits until it listens. The management port is
   * a free one unless the flags name it: the default 9090 would collide between servers.
   */
  public static ServerProcess start(List<String> jvmOptions, String... flags) throws Exception {
    Path jar = Path.of("target/chorus.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("target/chorus.jar is missing: run the tests with mvn verify");
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    command.addAll(withManagementPort(flags));
    return launch(command);
  }

  private static ServerProcess launch(List<String> command) throws Exception {
    Path log = Files.createTempFile("chorus-server", ".log");
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess server = new ServerProcess(process, log);
    server.awaitListening(Duration.ofSeconds(60));
    return server;
  }

  public static ServerProcess start(String... flags) throws Exception {
    return start(List.of(), flags);
  }

  /** Starts the packaged jar in a shell that first lowers the open-file limit ({@code ulimit -n}). */
  public static ServerProcess startWithOpenFileLimit(int openFiles, String... flags) throws Exception {
    StringBuilder command = new StringBuilder("ulimit -n " + openFiles + " && exec ")
        .append(ProcessHandle.current().info().command().orElse("java")).append(" -jar target/chorus.jar");
    for (String flag : withManagementPort(flags)) {
      command.append(" '").append(flag.replace("'", "'\\''")).append('\'');
    }
    return launch(List.of("bash", "-c", command.toString()));
  }

  public int port() {
    return port;
  }

  /** The port that serves {@code /metrics} and {@code /health/*}, as the start log line names it. */
  public int managementPort() {
    return managementPort;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything the process printed so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(output unreadable: " + e.getMessage() + ")";
    }
  }

  /** Sends SIGTERM, as Kubernetes and {@code docker stop} do. */
  public void terminate() {
    process.destroy();
  }

  /** Sends SIGKILL: the node vanishes without a word. */
  public void kill() {
    process.destroyForcibly();
  }

  /** Waits for the process to exit and returns its status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("Chorus did not exit within " + timeout + "; output:\n" + output());
    }
    return process.exitValue();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(20, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }

  private static List<String> withManagementPort(String... flags) {
    List<String> all = new ArrayList<>();
    if (!List.of(flags).contains("--management-port")) {
      all.addAll(List.of("--management-port", "0"));
    }
    all.addAll(List.of(flags));
    return all;
  }

  /** Reads the log until the listening line appears; waiting on the process paces the polling. */
  private void awaitListening(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher matcher = LISTENING.matcher(output());
      if (matcher.find()) {
        port = Integer.parseInt(matcher.group(1));
        managementPort = Integer.parseInt(matcher.group(2));
        return;
      }
      if (process.waitFor(50, TimeUnit.MILLISECONDS)) {
        break;
      }
    }
    String output = output();
    close();
    throw new IllegalStateException("Chorus did not start; output:\n" + output);
  }
}
