package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The command line: reads the configuration, starts Chorus, and stops it cleanly on SIGTERM or SIGINT; or, asked
 * {@code api-key}, makes an API key (see {@link ApiKeyCommand}); or prints its help or its version.
 *
 * <p>Signals go through {@code sun.misc.Signal}: Java has no other way to act on SIGHUP or to exit 0 after SIGTERM.
 * It has been in every JDK since 1.3 and, since 9, in the {@code jdk.unsupported} module, which JEP 260 keeps
 * exported until a supported replacement exists. javac's "internal proprietary API" warning about it, which no
 * {@code @SuppressWarnings} reaches, is turned off in pom.xml; ArchitectureTest keeps the rest of Chorus off it.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);
  /**
   * How long past its own bound a stop may run before the process halts: enough for the JVM's exit, and with
   * Kubernetes' 5 s preStop sleep still under its 30 s grace period (5 + 17 + 3 s with the defaults).
   */
  private static final Duration HALT_MARGIN = Duration.ofSeconds(3);

  private Main() {
  }

  public static void main(String[] args) {
    if (ApiKeyCommand.isAsked(args)) {
      System.exit(ApiKeyCommand.run(args, System.out, System.err));
      return;
    }
    useNettyDirectMemoryLimit();
    if (ConfigLoader.wantsHelp(args)) {
      System.out.print(ConfigLoader.help());
      return;
    }
    if (ConfigLoader.wantsVersion(args)) {
      System.out.println("chorus " + version());
      return;
    }
    ChorusConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("chorus: " + e.getMessage());
      System.exit(2);
      return;
    }
    Chorus chorus;
    try {
      chorus = Chorus.start(config).await();
    } catch (StartupException e) {
      log.error("Chorus did not start: {}", e.getMessage());
      System.exit(1);
      return;
    }
    boolean tls = config.tls().enabled();
    boolean managementTls = config.managementPort().isPresent() ? config.tls().management() : tls;
    // Before the line that says the node listens: whoever waits for it (a supervisor, a test) may signal at once.
    stopOnSignals(chorus, config.timeouts().shutdownBound().plus(HALT_MARGIN));
    if (tls || chorus.reloadsTokenKeys()) {
      reloadOnHangup(chorus, tls);
    }
    // Parsed by .ci/run and the tests' ServerProcess: the prefix and the http://host:port/ form stay.
    log.info("Chorus listening on {} ({}{} event loop{}, {} transport); chat page at /, WebSocket at /ws/<room>;"
            + " /metrics and /health/* at {}",
        url(tls, config.host(), chorus.port()), isWildcard(config.host()) ? "all addresses, " : "",
        config.instances(), config.instances() == 1 ? "" : "s", chorus.isNativeTransportEnabled() ? "epoll" : "NIO",
        url(managementTls, config.host(), chorus.managementPort()));
    chorus.cluster().ifPresent(cluster -> log.info("Chorus joined {}", cluster));
  }

  /** Chorus's version, from the jar's manifest (the pom's version); {@code dev} when run from classes. */
  private static String version() {
    String version = Main.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  /**
   * A URL a person can open: a node bound to every address answers on this machine's loopback too, so it is named
   * localhost; an IPv6 address goes in brackets.
   */
  private static String url(boolean tls, String host, int port) {
    String shown = isWildcard(host) ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "https" : "http") + "://" + shown + ":" + port + "/";
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("0:0:0:0:0:0:0:0");
  }

  /**
   * SIGHUP reloads the TLS certificate, as it makes nginx and HAProxy reload theirs, and the JWKS file of token keys;
   * with neither it keeps the JVM's default, which ends the process.
   */
  private static void reloadOnHangup(Chorus chorus, boolean tls) {
    Signal.handle(new Signal("HUP"), signal -> {
      String what = !chorus.reloadsTokenKeys() ? "the TLS certificate"
          : tls ? "the TLS certificate and the JWKS file" : "the JWKS file";
      log.info("SIGHUP received: reloading {}", what);
      chorus.reloadCertificate();
      chorus.reloadTokenKeys();
    });
  }

  /**
   * Lets Netty allocate direct memory itself and count it against its limit ({@code io.netty.maxDirectMemory}, by
   * default the JVM's maximum direct memory), so that an allocation past the limit fails at once. Without it (Netty's
   * default on Java 9+) every buffer is a JDK direct buffer, and an allocation past the limit first runs a full
   * garbage collection and sleeps up to half a second in {@code java.nio.Bits.reserveMemory}, on the event loop,
   * again for every further allocation: a few connections holding their pending output wedged every loop. It needs
   * the manifest's {@code Add-Opens: java.base/java.nio}; set {@code -Dio.netty.tryReflectionSetAccessible=false}
   * to keep the JDK's buffers.
   */
  private static void useNettyDirectMemoryLimit() {
    if (System.getProperty("io.netty.tryReflectionSetAccessible") == null) {
      System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    }
  }

  /**
   * SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C) stop the server and exit 0. A JVM shutdown hook could not
   * set the exit status: the JVM would exit 143.
   */
  private static void stopOnSignals(Chorus chorus, Duration haltAfter) {
    AtomicBoolean stopping = new AtomicBoolean();
    SignalHandler handler = signal -> {
      if (stopping.compareAndSet(false, true)) {
        log.info("SIG{} received: closing connections and stopping", signal.getName());
        haltAfter(haltAfter);
        Thread stopper = new Thread(() -> {
          int status = 1;
          try {
            chorus.stop().await();
            log.info("Chorus stopped");
            status = 0;
          } catch (RuntimeException e) {
            log.error("Chorus did not stop cleanly: {}", e.toString());
          } finally {
            System.exit(status);
          }
        }, "chorus-shutdown");
        stopper.start();
      }
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
  }

  /**
   * A signal always ends the process: a stop that cannot finish (an event loop wedged, a shutdown hook that hangs)
   * is cut short after {@code bound}, with one line saying so, instead of leaving a process that ignores SIGTERM
   * until SIGKILL.
   */
  private static void haltAfter(Duration bound) {
    ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "chorus-halt");
      thread.setDaemon(true);
      return thread;
    });
    watchdog.schedule(() -> {
      log.error("Chorus did not stop within {} s of the signal: halting", bound.toSeconds());
      Runtime.getRuntime().halt(1);
    }, bound.toMillis(), TimeUnit.MILLISECONDS);
  }
}
