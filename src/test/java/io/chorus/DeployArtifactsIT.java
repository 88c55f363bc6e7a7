package io.chorus;

import io.chorus.support.Scrape;
import io.chorus.support.TestCa;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Grafana dashboard and the Prometheus alert rules in deploy/ are valid and ask only for meters that exist. */
class DeployArtifactsIT {

  private static final Pattern METER = Pattern.compile("\\b(?:chorus|jvm|process|netty|vertx)_[a-z_]+");
  private static final Path ALERTS = Path.of("deploy/prometheus/alerts.yml");
  private static final Path DASHBOARD = Path.of("deploy/grafana/chorus-dashboard.json");

  @Test
  void alertRulesPassPromtoolCheckAndTheirUnitTests() throws Exception {
    assertThat(promtool("check", "rules", ALERTS.toString())).contains("SUCCESS: 5 rules found");
    assertThat(promtool("test", "rules", "deploy/prometheus/alerts.test.yml")).contains("SUCCESS");
  }

  @Test
  void dashboardAndAlertsReferToMetersAChorusServerExports(@TempDir Path folder) throws Exception {
    Set<String> referenced = new TreeSet<>();
    collect(Files.readString(ALERTS), referenced);
    new JsonObject(Files.readString(DASHBOARD)).getJsonArray("panels").forEach(panel ->
        ((JsonObject) panel).getJsonArray("targets").forEach(target ->
            collect(((JsonObject) target).getString("expr"), referenced)));
    assertThat(referenced).contains("chorus_connections", "chorus_delivery_latency_seconds_bucket", "chorus_ready");

    // A TLS server: the certificate's alert asks for a meter that only a server with TLS exports.
    TestCa ca = TestCa.create();
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    ca.issue(1).writePem(certificate, key);
    try (TestServer server = TestServer.start("--tls-cert", certificate.toString(), "--tls-key", key.toString());
         TestClients clients = new TestClients(server.port(),
             new WebSocketClientOptions().setSsl(true).setTrustOptions(ca.trustOptions()))) {
      clients.connect("/ws/dashboard", 2).get(0).send("fill the histogram");
      // The server runs in this JVM: a collection makes sure the GC pause meter gets registered.
      await().until(() -> {
        System.gc();
        return Scrape.of(server.managementPort()).has("jvm_gc_pause_seconds_sum");
      });
      Scrape scrape = Scrape.of(server.managementPort());
      for (String meter : referenced) {
        assertThat(scrape.has(meter)).as("meter %s exists", meter).isTrue();
      }
    }
  }

  private static void collect(String text, Set<String> meters) {
    Matcher matcher = METER.matcher(text);
    while (matcher.find()) {
      meters.add(matcher.group());
    }
  }

  private static String promtool(String... args) throws Exception {
    Path promtool = Path.of("/usr/bin/promtool");
    assertThat(promtool).as("promtool (apt-get install prometheus)").isExecutable();
    String[] command = new String[args.length + 1];
    command[0] = promtool.toString();
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
