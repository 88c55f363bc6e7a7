package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigException;
import io.chorus.config.ConfigLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.concurrent.atomic.AtomicBoolean;

/** The command line: reads the configuration, starts Chorus, and stops it cleanly on SIGTERM or SIGINT. */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    if (ConfigLoader.wantsHelp(args)) {
      System.out.print(ConfigLoader.help());
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
    log.info("Chorus listening on http://{}:{} ({} event loops, {} transport); chat page at /, WebSocket at /ws/<room>;"
            + " /metrics and /health/* at http://{}:{}",
        config.host(), chorus.port(), config.instances(), chorus.isNativeTransportEnabled() ? "epoll" : "NIO",
        config.host(), chorus.managementPort());
    stopOnSignals(chorus);
  }

  /**
   * SIGTERM (Kubernetes, docker stop) and SIGINT (Ctrl-C) stop the server and exit 0. A JVM shutdown hook could not
   * set the exit status: the JVM would exit 143.
   */
  private static void stopOnSignals(Chorus chorus) {
    AtomicBoolean stopping = new AtomicBoolean();
    SignalHandler handler = signal -> {
      if (stopping.compareAndSet(false, true)) {
        log.info("SIG{} received: closing connections and stopping", signal.getName());
        Thread stopper = new Thread(() -> {
          chorus.stop().await();
          log.info("Chorus stopped");
          System.exit(0);
        }, "chorus-shutdown");
        stopper.start();
      }
    };
    Signal.handle(new Signal("TERM"), handler);
    Signal.handle(new Signal("INT"), handler);
  }
}
