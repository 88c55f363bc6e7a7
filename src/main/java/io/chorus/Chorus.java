package io.chorus;

import io.chorus.bus.RoomBus;
import io.chorus.config.ChorusConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The composition root: builds Vert.x and the gateways from one configuration, and takes them down again. A step
 * that fails stops the start with a {@link StartupException} naming the step.
 */
public final class Chorus {

  /** Longest wait for clients to answer the closing handshake at shutdown. */
  private static final long SHUTDOWN_CLOSE_WAIT_SECONDS = 6;

  private final ChorusConfig config;
  private final Vertx vertx;
  private final List<GatewayVerticle> gateways;
  private final int port;

  private Chorus(ChorusConfig config, Vertx vertx, List<GatewayVerticle> gateways) {
    this.config = config;
    this.vertx = vertx;
    this.gateways = List.copyOf(gateways);
    this.port = gateways.get(0).actualPort();
  }

  public static Future<Chorus> start(ChorusConfig config) {
    Vertx vertx = Vertx.builder().with(vertxOptions(config)).build();
    RoomBus.registerCodec(vertx.eventBus());
    String nodeId = UUID.randomUUID().toString();
    List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
    Promise<Chorus> started = Promise.promise();
    vertx.deployVerticle(() -> {
      GatewayVerticle gateway = new GatewayVerticle(config, nodeId);
      gateways.add(gateway);
      return gateway;
    }, new DeploymentOptions().setInstances(config.instances())).onComplete(deployed -> {
      if (deployed.succeeded()) {
        started.complete(new Chorus(config, vertx, gateways));
      } else {
        started.fail(new StartupException("listen on " + config.host() + ":" + config.port(), deployed.cause()));
        vertx.close();
      }
    });
    return started.future();
  }

  public int port() {
    return port;
  }

  public ChorusConfig config() {
    return config;
  }

  public boolean isNativeTransportEnabled() {
    return vertx.isNativeTransportEnabled();
  }

  /** Closes every connection with 1001, waits a bounded time for the closing handshakes, then stops Vert.x. */
  public Future<Void> stop() {
    return Future.all(gateways.stream().map(GatewayVerticle::closeConnections).toList())
        .timeout(SHUTDOWN_CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)
        .transform(closed -> vertx.close());
  }

  private static VertxOptions vertxOptions(ChorusConfig config) {
    return new VertxOptions()
        .setEventLoopPoolSize(config.instances())
        .setPreferNativeTransport(true)
        // Chorus serves its page from memory: no class-path files resolved or cached on disk.
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false));
  }
}
