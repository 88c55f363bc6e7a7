package io.chorus;

import com.hazelcast.core.HazelcastInstance;
import io.chorus.bus.ClusterCensus;
import io.chorus.bus.ClusterMembership;
import io.chorus.bus.ClusterPresence;
import io.chorus.bus.HazelcastCluster;
import io.chorus.bus.HazelcastStreams;
import io.chorus.bus.LocalStreams;
import io.chorus.bus.PartitionSync;
import io.chorus.bus.RoomBus;
import io.chorus.bus.Streams;
import io.chorus.config.ChorusConfig;
import io.chorus.config.Cluster;
import io.chorus.config.Retention;
import io.chorus.hub.Broker;
import io.chorus.hub.Census;
import io.chorus.hub.LocalCensus;
import io.chorus.hub.LocalPresence;
import io.chorus.hub.Presence;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Exposition;
import io.chorus.metrics.Failures;
import io.chorus.metrics.MethodTag;
import io.chorus.metrics.PromtoolFilter;
import io.chorus.security.ApiKeys;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.InputBudget;
import io.chorus.session.TokenKeys;
import io.chorus.tls.TlsPorts;
import io.chorus.tls.UnusableCertificate;
import io.chorus.transport.Internals;
import io.chorus.transport.Liveness;
import io.chorus.transport.ManagementEndpoint;
import io.chorus.transport.Readiness;
import io.chorus.transport.Refusals;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoop;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The composition root: builds the metrics, Vert.x (standalone, or clustered over Hazelcast) and the gateways
 * from one configuration, and takes them down again. A step that fails stops the start with a {@link StartupException} naming the step.
 */
public final class Chorus {

  private static final Logger log = LoggerFactory.getLogger(Chorus.class);
  /** How long a clustered node waits for the cluster to be in sync before it says it is ready anyway. */
  private static final Duration SYNC_BOUND = Duration.ofSeconds(60);

  private final ChorusConfig config;
  private final Vertx vertx;
  private final Readiness readiness;
  private final List<GatewayVerticle> gateways;
  private final int port;
  private final Optional<ManagementVerticle> management;
  private final Optional<TlsPorts> tls;
  private final TokenKeys tokenKeys;
  private final ConnectionLimit connectionLimit;
  private final Optional<ClusterMembership> membership;

  private Chorus(ChorusConfig config, Vertx vertx, Readiness readiness, List<GatewayVerticle> gateways,
      Optional<ManagementVerticle> management, Optional<TlsPorts> tls, TokenKeys tokenKeys,
      ConnectionLimit connectionLimit, Optional<ClusterMembership> membership) {
    this.config = config;
    this.connectionLimit = connectionLimit;
    this.membership = membership;
    this.tls = tls;
    this.tokenKeys = tokenKeys;
    this.vertx = vertx;
    this.readiness = readiness;
    this.gateways = List.copyOf(gateways);
    this.port = gateways.get(0).actualPort();
    this.management = management;
  }

  public static Future<Chorus> start(ChorusConfig config) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(new PromtoolFilter());
    new FileDescriptorMetrics().bindTo(registry);
    // Netty counts the direct memory it allocates itself (see Main), where jvm_buffer_memory_used_bytes cannot see it.
    Gauge.builder("netty.direct.memory.used", Internals::usedDirectMemory).baseUnit("bytes")
        .description("Direct memory Netty has allocated, against its limit io.netty.maxDirectMemory")
        .register(registry);
    Gauge.builder("netty.direct.memory.max", Internals::maxDirectMemory).baseUnit("bytes")
        .description("Netty's direct memory limit, io.netty.maxDirectMemory")
        .register(registry);
    Readiness readiness = new Readiness();
    Liveness liveness = new Liveness();
    HazelcastClusterManager clusterManager =
        config.cluster().enabled()
            ? HazelcastCluster.manager(config.cluster(), config.retention(), maxHistoryBytes(config.retention()))
            : null;
    ChorusMetrics metrics = new ChorusMetrics(registry,
        () -> readiness.state() == Readiness.State.READY,
        () -> clusterManager == null ? 1 : clusterManager.isActive() ? clusterManager.getNodes().size() : 0);
    Refusals refusals = new Refusals(metrics, System.nanoTime());
    Optional<TlsPorts> tls;
    try {
      tls = config.tls().enabled()
          ? Optional.of(TlsPorts.start(config.tls(), config.timeouts().handshakeTimeout(), metrics))
          : Optional.empty();
    } catch (UnusableCertificate e) {
      return Future.failedFuture(new StartupException("load the TLS certificate", e));
    }
    ManagementEndpoint management = new ManagementEndpoint(new Exposition(registry), readiness, liveness, refusals);
    ConnectionLimit connectionLimit = new ConnectionLimit(config.limits().maxConnections(), config.maxTcpConnections());
    InputBudget inputBudget = new InputBudget(config.limits().maxIncompleteInput()
        .orElseGet(() -> InputBudget.defaultFor(Runtime.getRuntime().maxMemory(), Internals.maxDirectMemory())));
    Gauge.builder("chorus.incomplete.input", inputBudget, InputBudget::held).baseUnit("bytes")
        .description("Memory held for client messages and frames not yet complete, against max-incomplete-input")
        .strongReference(true)
        .register(registry);
    Gauge.builder("chorus.incomplete.input.max", inputBudget, InputBudget::max).baseUnit("bytes")
        .description("The node's budget for incomplete client input, max-incomplete-input")
        .register(registry);

    ApiKeys apiKeys;
    try {
      apiKeys = config.apiKeys().isPresent() ? ApiKeys.load(config.apiKeys().get()) : ApiKeys.open();
    } catch (IOException e) {
      // A file system exception's message is the bare path; its class says what went wrong (NoSuchFileException).
      return Future.failedFuture(new StartupException("read api-keys file", new IOException(e.toString())));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new StartupException("read api-keys file " + config.apiKeys().get(), e));
    }

    TokenKeys tokenKeys = new TokenKeys(config.authentication(), metrics);

    Promise<Chorus> started = Promise.promise();
    startVertx(config, registry, clusterManager).onComplete(created -> {
      if (created.failed()) {
        tls.ifPresent(TlsPorts::close);
        started.fail(created.cause());
        return;
      }
      Vertx vertx = created.result();
      Optional<ClusterMembership> membership = Optional.ofNullable(clusterManager)
          .map(manager -> ClusterMembership.watch(manager.getHazelcastInstance(), config.cluster().name()));
      RoomBus.registerCodec(vertx.eventBus());
      apiKeys.watch(vertx);
      tokenKeys.watch(vertx);
      Broker broker = new RoomBus(vertx.eventBus(), streams(config.retention(), metrics, clusterManager));
      Census census = clusterManager == null ? new LocalCensus()
          : new ClusterCensus(clusterManager.getHazelcastInstance());
      Predicate<String> announces = config.presenceRooms()::matches;
      Presence presence = clusterManager == null ? new LocalPresence(announces)
          : new ClusterPresence(clusterManager.getHazelcastInstance(), vertx.eventBus(), announces);
      startManagement(vertx, config, management, metrics.failures(), tls.filter(ports -> config.tls().management()),
          refusals)
          .compose(managementVerticle -> deployGateways(vertx, config, metrics, management, connectionLimit,
              readiness, refusals, inputBudget, liveness, broker, census, apiKeys, tokenKeys, presence, tls)
              .map(gateways -> new Chorus(config, vertx, readiness, gateways, managementVerticle, tls, tokenKeys,
                  connectionLimit, membership)))
          .onComplete(deployed -> {
            if (deployed.succeeded()) {
              tls.ifPresent(ports -> ports.watch(config.tls().reloadInterval()));
              if (clusterManager == null) {
                readiness.ready();
              } else {
                readiness.syncing();
                readyOnceInSync(vertx, clusterManager.getHazelcastInstance(), readiness);
              }
              started.complete(deployed.result());
            } else {
              tls.ifPresent(TlsPorts::close);
              started.fail(deployed.cause());
              vertx.close();
            }
          });
    });
    return started.future();
  }

  /**
   * Makes a clustered node ready once Hazelcast has a backup of every partition again, or after {@link #SYNC_BOUND}
   * (a member that stays unreachable must not keep this node out of service): whoever restarts nodes one at a time
   * and waits for each to be ready before stopping the next then never stops the last holder of a room's history.
   */
  private static void readyOnceInSync(Vertx vertx, HazelcastInstance hazelcast, Readiness readiness) {
    long start = System.nanoTime();
    PartitionSync.await(vertx, hazelcast, SYNC_BOUND).onComplete(synced -> {
      String waited = String.format("%.1f s", (System.nanoTime() - start) / 1e9);
      if (synced.result()) {
        log.info("Cluster in sync (every partition has its backup) after {}: ready", waited);
      } else {
        log.warn("Cluster still not in sync after {}: ready anyway; a restart of another node now may lose history",
            waited);
      }
      readiness.ready();
    });
  }

  /** The port for WebSockets and the chat page. */
  public int port() {
    return port;
  }

  /** The port for metrics and health: the management port, or the main port when the operator asked for it. */
  public int managementPort() {
    return management.map(ManagementVerticle::actualPort).orElse(port);
  }

  /** Each gateway's event loop, for tests that stall one. */
  public List<EventLoop> gatewayEventLoops() {
    return gateways.stream().map(GatewayVerticle::eventLoop).toList();
  }

  /** The event loop that answers the management port, when there is one. */
  public Optional<EventLoop> managementEventLoop() {
    return management.map(ManagementVerticle::eventLoop);
  }

  /** Reads the TLS certificate's files again and serves them to new connections, changed or not (SIGHUP). */
  public void reloadCertificate() {
    tls.ifPresent(TlsPorts::reload);
  }

  /** Reads the JWKS file of token keys again and verifies with its keys, changed or not (SIGHUP). */
  public void reloadTokenKeys() {
    tokenKeys.reload();
  }

  /** Whether the node verifies tokens with keys from a JWKS file, which {@link #reloadTokenKeys} reads. */
  public boolean reloadsTokenKeys() {
    return tokenKeys.reloads();
  }

  public boolean isNativeTransportEnabled() {
    return vertx.isNativeTransportEnabled();
  }

  /** The cluster's name and members, when clustered: e.g. {@code cluster 'chorus' of 2 members: ...}. */
  public Optional<String> cluster() {
    return membership.map(ClusterMembership::describe);
  }

  /**
   * Drains the node: readiness fails at once and new upgrades get 503, open connections are closed with 1001 spread
   * over the drain period, then Vert.x stops. Completes within {@link io.chorus.config.Timeouts#shutdownBound()}.
   * Logs how many connections it closes and over how long, at its start and at its end.
   */
  public Future<Void> stop() {
    readiness.drain();
    Duration period = config.timeouts().drainPeriod();
    long drainBound = period.plus(config.timeouts().closeTimeout()).toMillis();
    int open = connectionLimit.connections();
    long start = System.nanoTime();
    log.info("Draining {} over {}", connections(open), period.toMillis() % 1000 == 0
        ? period.toSeconds() + "s" : period.toMillis() + "ms");
    tls.ifPresent(TlsPorts::close);
    return Future.all(gateways.stream().map(GatewayVerticle::drain).toList())
        .timeout(drainBound, TimeUnit.MILLISECONDS)
        .transform(drained -> {
          String seconds = String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - start) / 1e9);
          if (drained.succeeded()) {
            log.info("Drained: closed {} in {}", connections(open), seconds);
          } else {
            log.warn("Drain cut short after {}: {} of {} connections still open", seconds,
                connectionLimit.connections(), open);
          }
          return vertx.close();
        });
  }

  private static String connections(int count) {
    return count + (count == 1 ? " connection" : " connections");
  }

  /** Standalone, or clustered once this node has joined the others. */
  private static Future<Vertx> startVertx(ChorusConfig config, PrometheusMeterRegistry registry,
      HazelcastClusterManager clusterManager) {
    VertxBuilder builder = Vertx.builder()
        .with(vertxOptions(config))
        .withMetrics(new MicrometerMetricsFactory(registry));
    if (clusterManager == null) {
      return Future.succeededFuture(builder.build());
    }
    Cluster cluster = config.cluster();
    return builder.withClusterManager(clusterManager).buildClustered().recover(failure -> Future.failedFuture(
        new StartupException("join cluster '" + cluster.name() + "' from " + cluster.host() + ":" + cluster.port(),
            failure)));
  }

  private static Future<Optional<ManagementVerticle>> startManagement(Vertx vertx, ChorusConfig config,
      ManagementEndpoint endpoint, Failures failures, Optional<TlsPorts> tls, Refusals refusals) {
    if (config.managementPort().isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    int port = config.managementPort().getAsInt();
    ManagementVerticle verticle = new ManagementVerticle(endpoint, failures, config.host(), port,
        config.timeouts().handshakeTimeout(), tls, refusals);
    return vertx.deployVerticle(verticle)
        .map(id -> Optional.of(verticle))
        .recover(failure -> Future.failedFuture(
            new StartupException("listen on management port " + config.host() + ":" + port, failure)));
  }

  /**
   * The rooms' streams: in this JVM's memory standalone; clustered, in the Hazelcast member the cluster manager
   * embeds, so that every node numbers a room's messages from the same stream.
   */
  private static Streams streams(Retention retention, ChorusMetrics metrics, HazelcastClusterManager clusterManager) {
    if (clusterManager != null) {
      HazelcastStreams streams = new HazelcastStreams(clusterManager.getHazelcastInstance(), retention);
      metrics.history(streams::ownedStreams, streams::ownedBytes);
      return streams;
    }
    LocalStreams streams = new LocalStreams(retention.historySize(), retention.historyTtl().toNanos(),
        retention.maxHistoryRooms(), maxHistoryBytes(retention));
    metrics.history(streams::rooms, streams::heldBytes);
    return streams;
  }

  private static long maxHistoryBytes(Retention retention) {
    return retention.maxHistoryMemory().orElse(Runtime.getRuntime().maxMemory() / 8);
  }

  private static Future<List<GatewayVerticle>> deployGateways(Vertx vertx, ChorusConfig config,
      ChorusMetrics metrics, ManagementEndpoint management, ConnectionLimit connectionLimit, Readiness readiness,
      Refusals refusals, InputBudget inputBudget, Liveness liveness, Broker broker, Census census,
      ApiKeys apiKeys, TokenKeys tokenKeys, Presence presence, Optional<TlsPorts> tls) {
    List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
          GatewayVerticle gateway =
              new GatewayVerticle(config, metrics, management, connectionLimit, readiness, refusals, inputBudget,
                  liveness, broker, census, apiKeys, tokenKeys, presence, tls);
          gateways.add(gateway);
          return gateway;
        }, new DeploymentOptions().setInstances(config.instances()))
        .map(id -> (List<GatewayVerticle>) gateways)
        .recover(failure -> Future.failedFuture(
            new StartupException("listen on " + config.host() + ":" + config.port(), failure)));
  }

  private static VertxOptions vertxOptions(ChorusConfig config) {
    Cluster cluster = config.cluster();
    return new VertxOptions()
        .setEventBusOptions(new EventBusOptions()
            .setHost(cluster.eventBusHost())
            .setPort(cluster.eventBusPort())
            .setClusterPublicHost(cluster.eventBusPublicHost()))
        .setEventLoopPoolSize(config.instances())
        .setPreferNativeTransport(true)
        .setMetricsOptions(new MicrometerMetricsOptions()
            .setEnabled(true)
            // Every label a closed set, so that no client can grow the exposition: the status code and Vert.x's
            // pool and event-bus side are chosen by the server; the method as the client sent it is not (MethodTag).
            // Off, as by default: local and remote address, path, route, class, event-bus address and failure,
            // client name and namespace.
            .setLabels(EnumSet.of(Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME, Label.EB_SIDE))
            .setServerRequestTagsProvider(MethodTag::of)
            .setClientRequestTagsProvider(MethodTag::of)
            .setJvmMetricsEnabled(true)
            .setNettyMetricsEnabled(true))
        // Chorus serves its page from memory: no class-path files resolved or cached on disk.
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false));
  }
}
