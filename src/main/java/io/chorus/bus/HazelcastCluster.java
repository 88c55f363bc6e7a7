package io.chorus.bus;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.chorus.config.Cluster;
import io.chorus.config.Retention;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;

/**
 * The Hazelcast cluster manager, configured from Chorus settings alone: explicit bind address, no multicast,
 * members from a static list or from a headless Kubernetes service's DNS records.
 */
public final class HazelcastCluster {

  private HazelcastCluster() {
  }

  /**
   * @param retention       how much of the rooms' streams to keep, in the map {@link HazelcastStreams} declares
   * @param maxHistoryBytes the heap the streams' map may take on one member
   */
  public static HazelcastClusterManager manager(Cluster cluster, Retention retention, long maxHistoryBytes) {
    HazelcastClusterManager manager = new HazelcastClusterManager();
    // Vert.x's default configuration declares the maps it keeps subscriptions and node information in.
    Config config = manager.loadConfig();
    config.setClusterName(cluster.name());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // Listen on the configured address only, not on every interface.
    config.setProperty("hazelcast.socket.bind.any", "false");
    // A joining member waits 1 s (not 5 s) for others before forming a cluster; 0 risks split clusters at start.
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "1");
    // A member that stops answering heartbeats for cluster-failure-timeout (15 s; Hazelcast's default is 60 s) is
    // removed: a vanished pod sends no reset. Heartbeats go at least three times within it (every 5 s at 15 s).
    long failureSeconds = cluster.failureTimeout().toSeconds();
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(failureSeconds));
    long heartbeatSeconds = Math.min(5, Math.max(1, failureSeconds / 3));
    config.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(heartbeatSeconds));
    // Members that lost sight of each other (a node starved of CPU for the heartbeat timeout, a network split) look
    // for each other every 10 s and merge, instead of after 5 minutes; Vert.x then publishes its subscriptions again.
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "10");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "10");
    // Chorus leaves the cluster itself, after draining its clients; Hazelcast's hook would leave first.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // Leaving hands this member's partitions to the others; Vert.x's subscription maps move in milliseconds, and the
    // default wait of 600 s would outlast the shutdown bound (Timeouts#shutdownBound: 2 s to stop Vert.x), after
    // which Main halts the process.
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "2");

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).setInterfaces(List.of(cluster.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.kubernetesService().isPresent()) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesService().get())
          .setProperty("service-port", Integer.toString(cluster.port()));
    } else {
      List<String> members = cluster.members().isEmpty() ? List.of(cluster.host() + ":" + cluster.port()) : cluster.members();
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(members);
    }
    HazelcastStreams.configure(config, retention, maxHistoryBytes);
    ClusterCensus.configure(config);
    ClusterPresence.configure(config);
    manager.setConfig(config);
    return manager;
  }
}
