package io.chorus.tls;

import io.chorus.config.Tls;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Reload;
import io.netty.handler.ssl.OpenSsl;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.net.ServerSSLOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * TLS on the node's ports: the certificate they serve, the engine, and reloads without a restart. A reload reads the
 * files again, checks them as the start did, and hands the new certificate to every TLS server; connections open
 * keep the certificate they were made with, new ones get the new one. A file that cannot be served leaves the old
 * certificate in place, with one WARN line saying why. Reloads run one at a time on a thread of their own: they read
 * files, which an event loop must not.
 */
public final class TlsPorts implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TlsPorts.class);
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996); every browser and client library of the last decade speaks 1.2. */
  private static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");
  /** How long a reload waits for the servers to build their new TLS context: milliseconds, normally. */
  private static final Duration UPDATE_BOUND = Duration.ofSeconds(30);

  private final Tls.KeyMaterial material;
  private final Duration handshakeTimeout;
  private final Consumer<Reload> reloads;
  private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService reloader = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "chorus-tls-reload");
    thread.setDaemon(true);
    return thread;
  });
  private volatile ServerCertificate current;
  /**
   * What the last check read: the files' digest, or why they could not be read. Unchanged files are not reloaded, and
   * a broken file is reported once, not at every check. Touched by the reload thread only.
   */
  private String lastRead;

  private TlsPorts(Tls.KeyMaterial material, Duration handshakeTimeout, ServerCertificate certificate,
      ChorusMetrics metrics) {
    this.material = material;
    this.handshakeTimeout = handshakeTimeout;
    this.current = certificate;
    this.lastRead = certificate.digest();
    this.reloads = metrics.tls(() -> current.certificate().getNotAfter().toInstant().getEpochSecond());
  }

  /**
   * Reads and checks the configured certificate; the start stops here when it cannot be served.
   *
   * @param handshakeTimeout how long a client has for its TLS handshake, as for its first request
   */
  public static TlsPorts start(Tls tls, Duration handshakeTimeout, ChorusMetrics metrics) throws UnusableCertificate {
    Tls.KeyMaterial material = tls.keyMaterial().orElseThrow();
    ServerCertificate certificate = ServerCertificate.of(KeyMaterialFiles.read(material));
    warnIfInvalid(certificate);
    log.info("TLS 1.2 and 1.3 with the {}; certificate {}; reloaded on SIGHUP{}", engineName(),
        certificate.describe(), tls.reloadInterval().isZero() ? ""
            : " and when its files change (read every " + tls.reloadInterval().toMillis() + " ms)");
    return new TlsPorts(material, handshakeTimeout, certificate, metrics);
  }

  /** Makes these options a TLS server's, with the current certificate. */
  public HttpServerOptions secure(HttpServerOptions options) {
    return options.setSsl(true)
        .setSslEngineOptions(engine())
        .setKeyCertOptions(current.options())
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(handshakeTimeout.toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** A server listening with {@link #secure} options: it gets every reloaded certificate from now on. */
  public void serve(HttpServer server) {
    servers.add(server);
  }

  /** Reads the files every {@code interval} and reloads the certificate when they changed; zero: never. */
  public void watch(Duration interval) {
    if (!interval.isZero()) {
      reloader.scheduleWithFixedDelay(() -> check(false), interval.toMillis(), interval.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /** Reloads the certificate now, whether its files changed or not (SIGHUP). */
  public void reload() {
    reloader.execute(() -> check(true));
  }

  @Override
  public void close() {
    reloader.shutdownNow();
  }

  /**
   * One check. Whatever goes wrong is reported and counted, never thrown: an exception would cancel the periodic
   * check for good, and the certificate would no longer follow its files.
   */
  private void check(boolean forced) {
    try {
      checkFiles(forced);
    } catch (RuntimeException unexpected) {
      failed("unexpected " + unexpected);
    }
  }

  private void checkFiles(boolean forced) {
    KeyMaterialFiles files;
    try {
      files = KeyMaterialFiles.read(material);
    } catch (UnusableCertificate unreadable) {
      if (forced || !unreadable.getMessage().equals(lastRead)) {
        lastRead = unreadable.getMessage();
        failed(unreadable.getMessage());
      }
      return;
    }
    if (!forced && files.digest().equals(lastRead)) {
      return;
    }
    lastRead = files.digest();
    try {
      install(ServerCertificate.of(files));
    } catch (UnusableCertificate unusable) {
      failed(unusable.getMessage());
    }
  }

  /**
   * Every server builds its new TLS context. With force: Vert.x would otherwise keep the current one when the new
   * options look equal to it, as a forced reload of unchanged files does.
   */
  private void install(ServerCertificate next) throws UnusableCertificate {
    ServerSSLOptions options = new ServerSSLOptions()
        .setKeyCertOptions(next.options())
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(handshakeTimeout.toMillis())
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    try {
      Future.all(servers.stream().map(server -> server.updateSSLOptions(options, true)).toList())
          .await(UPDATE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new UnusableCertificate("the TLS engine refused " + next.describe() + ": " + e.getMessage());
    }
    ServerCertificate previous = current;
    current = next;
    reloads.accept(Reload.RELOADED);
    log.info("TLS certificate reloaded: {} serves new connections (was {})", next.describe(), previous.describe());
    warnIfInvalid(next);
  }

  private void failed(String why) {
    reloads.accept(Reload.FAILED);
    log.warn("TLS certificate not reloaded, still serving {}: {}", current.describe(), why);
  }

  private static void warnIfInvalid(ServerCertificate certificate) {
    certificate.invalidAt(Instant.now()).ifPresent(why ->
        log.warn("TLS certificate {} is {}: clients will refuse it", certificate.describe(), why));
  }

  /**
   * OpenSSL (BoringSSL, from netty-tcnative-boringssl-static) when it loads: cheaper handshakes and encryption than
   * the JDK's engine, which serves otherwise.
   */
  private static SSLEngineOptions engine() {
    return OpenSSLEngineOptions.isAvailable() ? new OpenSSLEngineOptions() : new JdkSSLEngineOptions();
  }

  private static String engineName() {
    return OpenSSLEngineOptions.isAvailable()
        ? "OpenSSL engine (" + OpenSsl.versionString() + ")"
        : "JDK engine (OpenSSL unavailable: " + OpenSsl.unavailabilityCause() + ")";
  }
}
