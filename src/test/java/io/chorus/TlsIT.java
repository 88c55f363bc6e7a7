package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TestCa;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.http.WebSocketClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The main port over TLS: https:// and wss:// to clients that trust a certificate authority made for the test, the
 * certificate replaced while clients are connected, broken replacements, and plain HTTP sent to the TLS port.
 */
class TlsIT {

  @TempDir
  Path folder;
  private TestCa ca;
  private TestServer server;
  private TestClients clients;

  @BeforeEach
  void makeAuthority() throws Exception {
    ca = TestCa.create();
  }

  @AfterEach
  void stop() throws Exception {
    if (clients != null) {
      clients.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void wssClientsChatAndHttpsServesTheChatPageWithTheOpenSslEngine() throws Exception {
    startWithPem(ca.issue(1), "--tls-reload-interval", "0s");
    assertThat(OpenSsl.isAvailable()).as("netty-tcnative-boringssl-static loads: the OpenSSL engine serves").isTrue();
    TestSocket alice = clients.connect("/ws/tls-room");
    TestSocket bob = clients.connect("/ws/tls-room");
    HttpClient https = HttpClient.newBuilder().sslContext(ca.sslContext()).build();
    List<String> heard = new CopyOnWriteArrayList<>();
    WebSocket carol = https.newWebSocketBuilder()
        .buildAsync(URI.create("wss://127.0.0.1:" + server.port() + "/ws/tls-room"), new Texts(heard))
        .get(20, TimeUnit.SECONDS);
    await().until(() -> heard.contains(TestSocket.WELCOME));

    alice.send("over TLS");

    await().until(() -> bob.texts().contains("over TLS") && heard.contains("over TLS"));
    carol.sendText("from the JDK client", true).get(10, TimeUnit.SECONDS);
    await().until(() -> alice.texts().contains("from the JDK client"));

    HttpResponse<String> page = https.send(get("/"), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> script = https.send(get("/chorus.js"), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<html").contains("chat.js");
    assertThat(script.statusCode()).isEqualTo(200);
    assertThat(script.body()).contains("export function connect");
    try (SSLSocket socket = (SSLSocket) ca.sslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.startHandshake();
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
    }
  }

  @Test
  void tls12ClientsAreServedToo() throws Exception {
    startWithPem(ca.issue(1), "--tls-reload-interval", "0s");
    try (SSLSocket socket = (SSLSocket) ca.sslContext().getSocketFactory().createSocket("127.0.0.1", server.port())) {
      socket.setEnabledProtocols(new String[] {"TLSv1.2"});
      socket.startHandshake();
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
    }
  }

  @Test
  void keyMaterialThatCannotBeServedStopsTheStartWithOneLineNamingIt() throws Exception {
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    ca.issue(1).writePem(certificate, key);
    Path otherKey = folder.resolve("other.key");
    Files.writeString(otherKey, ca.issue(2).keyPem());
    Path notPem = folder.resolve("garbage.crt");
    Files.writeString(notPem, "not a certificate");

    assertThatThrownBy(() -> TestServer.start("--tls-cert", certificate.toString(), "--tls-key", otherKey.toString()))
        .hasMessage("cannot load the TLS certificate: the private key in tls-cert " + certificate + " and tls-key "
            + otherKey + " does not belong to the certificate 'CN=chorus-test' (serial 1, expires "
            + expiry(certificate) + ")");
    assertThatThrownBy(() -> TestServer.start("--tls-cert", notPem.toString(), "--tls-key", key.toString()))
        .hasMessage("cannot load the TLS certificate: tls-cert " + notPem
            + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
    assertThatThrownBy(() -> TestServer.start("--tls-cert", folder.resolve("missing.crt").toString(),
        "--tls-key", key.toString()))
        .hasMessageStartingWith("invalid tls-cert: '" + folder.resolve("missing.crt") + "' does not exist");
    assertThatThrownBy(() -> TestServer.start("--tls-keystore", certificate.toString(),
        "--tls-keystore-password", "wrong"))
        .hasMessageStartingWith("cannot load the TLS certificate: cannot read tls-keystore " + certificate + ": ");
  }

  @Test
  void plainHttpToTheTlsPortGetsA400AndTheConnectionEnds() throws Exception {
    startWithPem(ca.issue(1), "--tls-reload-interval", "0s");
    Bystander bystander = Bystander.join(clients, "/ws/tls-bystander");

    String answer;
    try (Socket plain = new Socket("127.0.0.1", server.port())) {
      // A hang would fail here, after 10 s, instead of passing.
      plain.setSoTimeout(10_000);
      plain.getOutputStream().write(
          "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      answer = new String(readToEnd(plain.getInputStream()), StandardCharsets.US_ASCII);
    }

    assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n")
        .contains("Connection: close")
        .endsWith("\r\n\r\nThis port speaks TLS: use https:// or wss:// here\n");
    await().until(() -> Scrape.of(server.managementPort())
        .value("chorus_http_rejections_total{reason=\"plain_http\"}") == 1);
    bystander.assertUnharmed();
  }

  @Test
  void aReplacedCertificateServesNewConnectionsWhileOpenOnesGoOn() throws Exception {
    // As Kubernetes mounts a Secret: the files are links into a folder that one rename of a link replaces at once.
    Path mount = Files.createDirectories(folder.resolve("mount"));
    mountSecret(mount, "..2026_1", ca.issue(1));
    Files.createSymbolicLink(mount.resolve("tls.crt"), Path.of("..data", "tls.crt"));
    Files.createSymbolicLink(mount.resolve("tls.key"), Path.of("..data", "tls.key"));
    start("--tls-cert", mount.resolve("tls.crt").toString(), "--tls-key", mount.resolve("tls.key").toString(),
        "--tls-reload-interval", "100ms");
    TestSocket before = clients.connect("/ws/rotation");
    Bystander bystander = Bystander.join(clients, "/ws/rotation-bystander");
    assertThat(ca.servedAt(server.port()).getSerialNumber()).isEqualTo(BigInteger.ONE);

    mountSecret(mount, "..2026_2", ca.issue(2));

    await().until(() -> ca.servedAt(server.port()).getSerialNumber().equals(BigInteger.TWO));
    TestSocket after = clients.connect("/ws/rotation");
    before.send("sent on the old certificate");
    after.send("sent on the new one");
    await().until(() -> before.texts().contains("sent on the new one")
        && after.texts().contains("sent on the old certificate"));
    Scrape metrics = Scrape.of(server.managementPort());
    assertThat(metrics.value("chorus_tls_reloads_total{outcome=\"reloaded\"}")).isEqualTo(1);
    assertThat(metrics.value("chorus_tls_reloads_total{outcome=\"failed\"}")).isZero();
    assertThat(metrics.value("chorus_tls_certificate_expiry_timestamp_seconds"))
        .isEqualTo(ca.servedAt(server.port()).getNotAfter().toInstant().getEpochSecond());
    bystander.assertUnharmed();
  }

  @Test
  void aBrokenReplacementKeepsTheOldCertificate() throws Exception {
    TestCa.Issued first = ca.issue(1);
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    first.writePem(certificate, key);
    start("--tls-cert", certificate.toString(), "--tls-key", key.toString(), "--tls-reload-interval", "0s");
    TestSocket open = clients.connect("/ws/broken");

    TestCa.replace(key, ca.issue(2).keyPem().getBytes(StandardCharsets.US_ASCII));
    server.chorus().reloadCertificate();
    await().until(() -> Scrape.of(server.managementPort())
        .value("chorus_tls_reloads_total{outcome=\"failed\"}") == 1);
    TestCa.replace(certificate, "not a certificate".getBytes(StandardCharsets.US_ASCII));
    server.chorus().reloadCertificate();
    await().until(() -> Scrape.of(server.managementPort())
        .value("chorus_tls_reloads_total{outcome=\"failed\"}") == 2);

    assertThat(ca.servedAt(server.port()).getSerialNumber()).isEqualTo(BigInteger.ONE);
    TestSocket later = clients.connect("/ws/broken");
    later.send("still served");
    await().until(() -> open.texts().contains("still served"));
    assertThat(Scrape.of(server.managementPort()).value("chorus_tls_reloads_total{outcome=\"reloaded\"}")).isZero();

    first.writePem(certificate, key);
    server.chorus().reloadCertificate();
    await().until(() -> Scrape.of(server.managementPort())
        .value("chorus_tls_reloads_total{outcome=\"reloaded\"}") == 1);
  }

  @Test
  void sighupMakesTheProcessReloadItsCertificate() throws Exception {
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    ca.issue(1).writePem(certificate, key);
    try (ServerProcess process = ServerProcess.start("--port", "0", "--tls-cert", certificate.toString(), "--tls-key",
        key.toString(), "--tls-reload-interval", "0s")) {
      assertThat(process.output()).contains("TLS 1.2 and 1.3 with the OpenSSL engine (BoringSSL)")
          .contains("Chorus listening on https://");
      ca.issue(2).writePem(certificate, key);

      new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start().waitFor();

      await().until(() -> ca.servedAt(process.port()).getSerialNumber().equals(BigInteger.TWO));
      assertThat(process.output()).contains("SIGHUP received: reloading the TLS certificate")
          .contains("TLS certificate reloaded: 'CN=chorus-test' (serial 2");
      assertThat(process.isAlive()).isTrue();
    }
  }

  @Test
  void aPkcs12KeystoreServesLikePemFiles() throws Exception {
    TestCa.Issued issued = ca.issue(7);
    Path keystore = folder.resolve("chorus.p12");
    Files.write(keystore, issued.pkcs12("s3cret"));
    start("--tls-keystore", keystore.toString(), "--tls-keystore-password", "s3cret");

    assertThat(ca.servedAt(server.port()).getSerialNumber()).isEqualTo(BigInteger.valueOf(7));
    TestSocket socket = clients.connect("/ws/pkcs12");
    socket.send("hello");
    await().until(() -> socket.texts().contains("hello"));
  }

  @Test
  void managementTlsServesMetricsAndHealthOverHttps() throws Exception {
    startWithPem(ca.issue(1), "--management-tls");
    HttpClient https = HttpClient.newBuilder().sslContext(ca.sslContext()).build();

    HttpResponse<String> ready = https.send(HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + server.managementPort() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> metrics = https.send(HttpRequest.newBuilder(
        URI.create("https://127.0.0.1:" + server.managementPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("chorus_tls_reloads_total{outcome=\"reloaded\"}");
    assertThat(ca.servedAt(server.managementPort()).getSerialNumber()).isEqualTo(BigInteger.ONE);
  }

  @Test
  void tlsConnectionsThatNeverHandshakeAreHeldToTheBudgetAndTheHandshakeTimeout() throws Exception {
    // max-connections 2: a TCP budget of 2 + 256 connections; 300 sockets that never send a ClientHello exceed it.
    int budget = 258;
    int silent = 300;
    startWithPem(ca.issue(1), "--tls-reload-interval", "0s", "--max-connections", "2", "--handshake-timeout", "3s");
    List<SocketChannel> sockets = new ArrayList<>();
    try (Bystander bystander = Bystander.join(clients, "/ws/calm")) {
      for (int i = 0; i < silent; i++) {
        SocketChannel socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
        socket.configureBlocking(false);
        sockets.add(socket);
      }
      // The bystander holds a slot: the longest-waiting silent ones make room for the others, and for a newcomer.
      await().until(() -> closedByServer(sockets) >= silent - budget + 1);
      Scrape flooded = Scrape.of(server.managementPort());
      assertThat(flooded.value("chorus_http_rejections_total{reason=\"shed\"}")).isPositive();
      TestSocket newcomer = clients.connect("/ws/calm");
      newcomer.send("in despite the flood");
      await().until(() -> newcomer.texts().contains("in despite the flood"));

      await().until(() -> closedByServer(sockets) == silent);
      Scrape after = Scrape.of(server.managementPort());
      // Every silent socket was shed, refused at accept, or timed out in its handshake: each is counted once.
      assertThat(after.value("chorus_http_rejections_total{reason=\"shed\"}")
          + after.value("chorus_http_rejections_total{reason=\"over_budget\"}")
          + after.value("chorus_handshakes_total{outcome=\"timeout\"}")).isGreaterThanOrEqualTo(silent);
      assertThat(after.value("chorus_handshakes_total{outcome=\"timeout\"}")).isPositive();
      bystander.assertUnharmed();
    } finally {
      for (SocketChannel socket : sockets) {
        socket.close();
      }
    }
  }

  /** How many of the sockets the server has closed; each is closed here too once it has. */
  private static long closedByServer(List<SocketChannel> sockets) throws java.io.IOException {
    long closed = 0;
    for (SocketChannel socket : sockets) {
      if (socket.isOpen() && Sockets.closedByServer(socket)) {
        socket.close();
      }
      closed += socket.isOpen() ? 0 : 1;
    }
    return closed;
  }

  private void startWithPem(TestCa.Issued issued, String... flags) throws Exception {
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    issued.writePem(certificate, key);
    List<String> args = new java.util.ArrayList<>(List.of("--tls-cert", certificate.toString(),
        "--tls-key", key.toString()));
    args.addAll(List.of(flags));
    start(args.toArray(String[]::new));
  }

  private void start(String... flags) throws Exception {
    server = TestServer.start(flags);
    clients = new TestClients(server.port(), new WebSocketClientOptions()
        .setSsl(true)
        .setTrustOptions(ca.trustOptions()));
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(20)).build();
  }

  /** Writes the key material into a new folder and points {@code ..data} at it with one rename. */
  private static void mountSecret(Path mount, String version, TestCa.Issued issued) throws Exception {
    Path files = Files.createDirectories(mount.resolve(version));
    Files.writeString(files.resolve("tls.crt"), issued.certificatePem());
    Files.writeString(files.resolve("tls.key"), issued.keyPem());
    Path link = mount.resolve("..data_tmp");
    Files.createSymbolicLink(link, Path.of(version));
    Files.move(link, mount.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** The expiry of the (first) certificate in a PEM file, as the server's messages give it. */
  private static String expiry(Path pem) throws Exception {
    try (InputStream input = Files.newInputStream(pem)) {
      return ((java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(input)).getNotAfter().toInstant().toString();
    }
  }

  private static byte[] readToEnd(InputStream input) throws Exception {
    return input.readAllBytes();
  }

  /** Collects the text messages of a JDK WebSocket. */
  private record Texts(List<String> received) implements WebSocket.Listener {
    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      received.add(data.toString());
      webSocket.request(1);
      return null;
    }
  }
}
