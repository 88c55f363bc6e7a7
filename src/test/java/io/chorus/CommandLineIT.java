package io.chorus;

import io.chorus.support.ServerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a user meets it: {@code java -jar chorus.jar} with --help, --version, a bad config, a start. */
class CommandLineIT {

  private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

  @Test
  void helpPrintsEverySettingInAlignedColumnsAndExitsZero() throws Exception {
    Run help = run(List.of("-jar", "target/chorus.jar", "--help"));

    assertThat(help.status()).isZero();
    assertThat(help.out()).startsWith("Usage: java -jar chorus.jar [--<setting> <value> ...]")
        .contains("FLAG                        ENVIRONMENT VARIABLE            DEFAULT\n")
        .contains("--port                      CHORUS_PORT                     8080\n"
            + "    Port for WebSockets and the chat page.\n")
        .contains("--max-history-memory        CHORUS_MAX_HISTORY_MEMORY       max heap / 8\n");
    assertThat(help.err()).isEmpty();
  }

  @Test
  void versionComesFromTheJarManifestAndIsDevFromClasses() throws Exception {
    Run jar = run(List.of("-jar", "target/chorus.jar", "--version"));
    Run classes = run(List.of("-cp", System.getProperty("java.class.path"), "io.chorus.Main", "--version"));

    assertThat(jar.status()).isZero();
    assertThat(jar.out()).matches("chorus \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
    assertThat(classes.status()).isZero();
    assertThat(classes.out()).isEqualTo("chorus dev\n");
  }

  @Test
  void configFileErrorsAreListedAllAtOnceAndExitTwo(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("chorus.properties"),
        "prot=8081\nmax-message-size=huge\nping-interval=25\nwelcome-message=Hi\n");

    Run bad = run(List.of("-jar", "target/chorus.jar", "--config", file.toString()));

    assertThat(bad.status()).isEqualTo(2);
    assertThat(bad.err()).isEqualTo("chorus: 3 problems in the settings:\n"
        + "  unknown setting 'prot' in config file " + file + " (did you mean port? see --help)\n"
        + "  invalid max-message-size: 'huge' is not a size such as 65536, 64KiB or 1MiB (from config file " + file
        + ")\n"
        + "  invalid ping-interval: '25' is not a duration such as 500ms, 25s or 2m (from config file " + file + ")\n");
    assertThat(bad.out()).doesNotContain("Chorus listening");
  }

  @Test
  void missingConfigFileSaysNoSuchFile(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("nowhere.properties");

    Run run = run(List.of("-jar", "target/chorus.jar", "--config", missing.toString()));

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).isEqualTo("chorus: config: no such file: " + missing + " (from option --config)\n");
  }

  @Test
  void startLineNamesUrlsAPersonCanOpenWhenBoundToEveryAddress() throws Exception {
    try (ServerProcess server = ServerProcess.start("--host", "0.0.0.0", "--port", "0")) {
      String page = "http://localhost:" + server.port() + "/";
      String health = "http://localhost:" + server.managementPort() + "/";
      assertThat(server.output()).contains("Chorus listening on " + page + " (all addresses, ")
          .contains("/metrics and /health/* at " + health + "\n");

      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(page)).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(health + "health/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(chat.statusCode()).isEqualTo(200);
      assertThat(chat.body()).contains("<html");
      assertThat(ready.statusCode()).isEqualTo(200);
    }
  }

  private record Run(int status, String out, String err) {
  }

  /** Runs java with {@code arguments} to its end: Chorus's answers to the command line come before any start. */
  private static Run run(List<String> arguments) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(JAVA);
    command.addAll(arguments);
    Path out = Files.createTempFile("chorus-cli", ".out");
    Path err = Files.createTempFile("chorus-cli", ".err");
    try {
      Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("java " + arguments + " did not end within 60 s");
      }
      return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
