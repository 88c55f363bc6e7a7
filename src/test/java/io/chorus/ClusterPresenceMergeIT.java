package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TestClients;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Presence across a split of a 3-JVM cluster: a node frozen (SIGSTOP) past the heartbeat timeout
 * (cluster-failure-timeout, 3 s here) is removed and its connections forgotten by the others; thawed (SIGCONT), it
 * merges back (Hazelcast looks every 10 s) and its connections, still open, are listed again.
 */
@Tag("cluster")
class ClusterPresenceMergeIT {

  private static final int NODES = 3;
  private static final String ROOM = "present";

  @Test
  void aNodeCutOffAndMergedBackListsItsStillOpenConnectionsAgain() throws Exception {
    String clusterName = "chorus-presence-merge-it-" + UUID.randomUUID();
    int[] clusterPorts = Sockets.freePorts(NODES);
    List<CompletableFuture<ServerProcess>> starting = IntStream.range(0, NODES)
        .mapToObj(node -> CompletableFuture.supplyAsync(() -> startNode(clusterName, clusterPorts, node)))
        .toList();
    List<ServerProcess> nodes = new ArrayList<>();
    try {
      for (CompletableFuture<ServerProcess> node : starting) {
        nodes.add(node.join());
      }
      for (ServerProcess node : nodes) {
        await().atMost(Duration.ofSeconds(60))
            .until(() -> Scrape.of(node.managementPort()).value("chorus_cluster_members") == NODES);
      }
      ServerProcess a = nodes.get(0);
      ServerProcess c = nodes.get(2);
      Api onA = new Api(a.port());
      try (TestClients onAClients = new TestClients(a.port()); TestClients onCClients = new TestClients(c.port())) {
        V1Client here = V1Client.connect(onAClients, "/ws/" + ROOM);
        V1Client there = V1Client.connect(onCClients, "/ws/" + ROOM);
        String hereId = here.welcome().getString("client");
        String thereId = there.welcome().getString("client");
        await().ignoreExceptions().until(() -> listed(onA).equals(List.of(hereId, thereId).stream().sorted().toList()));

        long stopped = System.nanoTime();
        signal(c, "STOP");
        long forgottenMillis;
        try {
          await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> listed(onA).equals(List.of(hereId)));
          forgottenMillis = (System.nanoTime() - stopped) / 1_000_000;
        } finally {
          signal(c, "CONT");
        }
        long thawed = System.nanoTime();
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions()
            .until(() -> listed(onA).equals(List.of(hereId, thereId).stream().sorted().toList()));
        long listedAgainMillis = (System.nanoTime() - thawed) / 1_000_000;

        assertThat(there.socket().isClosed()).as("the frozen node's client stayed connected").isFalse();
        assertThat(there.publish(ROOM, "after the merge").getString("type")).isEqualTo("ack");
        System.out.printf("cluster presence merge: node C (SIGSTOP) forgotten on A after %d ms; after SIGCONT its"
            + " connection listed on A again after %d ms%n", forgottenMillis, listedAgainMillis);
      }
    } finally {
      for (ServerProcess node : nodes) {
        node.close();
      }
    }
  }

  /** The ids of the connections node's presence lists in the room, sorted. */
  private static List<String> listed(Api api) throws Exception {
    return new JsonObject(api.get("/api/rooms/" + ROOM + "/presence").body()).getJsonArray("clients").stream()
        .map(client -> ((JsonObject) client).getString("client"))
        .sorted()
        .collect(Collectors.toList());
  }

  /** Sends a signal to the node's JVM: STOP freezes it as a starved or swapped-out machine would, CONT thaws it. */
  private static void signal(ServerProcess node, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
  }

  private static ServerProcess startNode(String clusterName, int[] clusterPorts, int node) {
    String members = IntStream.of(clusterPorts).mapToObj(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(","));
    try {
      return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1", "--port", "0", "--instances", "1",
          "--cluster", "--cluster-name", clusterName, "--cluster-port", Integer.toString(clusterPorts[node]),
          "--cluster-members", members, "--presence-rooms", ROOM, "--cluster-failure-timeout", "3s");
    } catch (Exception e) {
      throw new IllegalStateException("node " + node + " did not start", e);
    }
  }
}
