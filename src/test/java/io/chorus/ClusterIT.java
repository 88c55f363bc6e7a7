package io.chorus;

import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cluster of real Chorus JVMs on loopback, formed with a static member list. The tests run in order on one
 * cluster, because forming it is the expensive part: broadcast across three nodes, a fourth node joining, one node
 * killed with SIGKILL, one drained with SIGTERM.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final String ROOM = "/ws/everywhere";
  private static final int CLIENTS_PER_NODE = 10;
  private static final String CLUSTER_NAME = "chorus-it-" + UUID.randomUUID();

  private static int[] clusterPorts;
  private static final ServerProcess[] nodes = new ServerProcess[4];
  private static final TestClients[] clients = new TestClients[4];
  private static final Map<Integer, List<TestSocket>> sockets = new HashMap<>();

  @BeforeAll
  static void formCluster() throws Exception {
    clusterPorts = Sockets.freePorts(4);
    long start = System.nanoTime();
    List<CompletableFuture<ServerProcess>> starting = IntStream.range(0, 3)
        .mapToObj(node -> CompletableFuture.supplyAsync(() -> startNode(node)))
        .toList();
    for (int node = 0; node < 3; node++) {
      nodes[node] = starting.get(node).join();
    }
    for (int node = 0; node < 3; node++) {
      int port = nodes[node].managementPort();
      await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.of(port).value("chorus_cluster_members") == 3);
    }
    System.out.printf("cluster: 3 JVMs started together formed a cluster in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    for (int node = 0; node < 3; node++) {
      connectClients(node);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (int node = 0; node < nodes.length; node++) {
      if (clients[node] != null) {
        clients[node].close();
      }
      if (nodes[node] != null) {
        nodes[node].close();
      }
    }
  }

  @Test
  @Order(1)
  void broadcastReachesEveryConnectionOnEveryNodeExactlyOnceAndInOrderPerSender() throws Exception {
    List<TestSocket> everyone = connected(0, 1, 2);
    awaitSubscriptionsEverywhere(everyone, List.of(0, 1, 2));
    Map<TestSocket, Integer> before = counts(everyone);

    // 100 messages from one client on each node, paced at 100 per second (the default rate limit), all three at once.
    int perSender = 100;
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger sent = new AtomicInteger();
    pacer.scheduleAtFixedRate(() -> {
      int i = sent.getAndIncrement();
      if (i < perSender) {
        for (int node = 0; node < 3; node++) {
          sockets.get(node).get(0).sendAsync("n" + node + " #" + i + " @" + System.nanoTime());
        }
      }
    }, 0, 10, TimeUnit.MILLISECONDS);
    try {
      await().atMost(Duration.ofSeconds(30))
          .until(() -> everyone.stream().allMatch(socket -> since(socket, before).size() >= 3 * perSender));
    } finally {
      pacer.shutdownNow();
    }
    List<Long> crossNodeMicros = new ArrayList<>();
    for (int node = 0; node < 3; node++) {
      for (TestSocket socket : sockets.get(node)) {
        List<TestSocket.Received> all = socket.messages();
        List<TestSocket.Received> received = all.subList(before.get(socket), all.size())
            .stream().filter(message -> !message.text().startsWith("probe")).toList();
        List<String> texts = received.stream().map(TestSocket.Received::text).toList();
        assertThat(texts).hasSize(3 * perSender).doesNotHaveDuplicates();
        assertInOrderPerSender(texts);
        for (TestSocket.Received message : received) {
          String text = message.text();
          if (!text.startsWith("n" + node + " ")) {
            crossNodeMicros.add((message.receivedNanos() - Long.parseLong(text.substring(text.indexOf('@') + 1))) / 1_000);
          }
        }
      }
    }
    crossNodeMicros.sort(null);
    System.out.printf("cluster: %d cross-node deliveries at 3 x 100 messages/s to 30 clients, client to client latency"
            + " p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        crossNodeMicros.size(), percentile(crossNodeMicros, 0.50), percentile(crossNodeMicros, 0.99),
        crossNodeMicros.get(crossNodeMicros.size() - 1) / 1000.0);
    for (int node = 0; node < 3; node++) {
      Scrape scrape = Scrape.of(nodes[node].managementPort());
      // Each node's hubs wrote messages published on the other nodes: the latency histogram covers them.
      assertThat(scrape.value("chorus_delivery_latency_seconds_count")).isGreaterThanOrEqualTo(3 * perSender);
      assertThat(scrape.value("chorus_messages_received_total")).isGreaterThanOrEqualTo(perSender);
    }
  }

  @Test
  @Order(2)
  void nodeThatJoinsStartsReceiving() throws Exception {
    long start = System.nanoTime();
    nodes[3] = startNode(3);
    await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.of(nodes[0].managementPort()).value("chorus_cluster_members") == 4);
    System.out.printf("cluster: a fourth JVM joined the running cluster in %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(nodes[3].output()).contains("Chorus joined cluster '" + CLUSTER_NAME + "' of 4 members: ")
        .contains(member(3) + " (this node)").contains(member(0)).contains(member(1)).contains(member(2));
    await().until(() -> nodes[0].output().contains(
        "Cluster '" + CLUSTER_NAME + "': member " + member(3) + " joined; 4 members"));
    connectClients(3);
    List<TestSocket> everyone = connected(0, 1, 2, 3);
    awaitSubscriptionsEverywhere(everyone, List.of(0, 3));
    Map<TestSocket, Integer> before = counts(everyone);

    for (int i = 0; i < 20; i++) {
      sockets.get(0).get(0).sendAsync("n0 #" + i + " @0");
      sockets.get(3).get(0).sendAsync("n3 #" + i + " @0");
    }

    await().atMost(Duration.ofSeconds(30))
        .until(() -> everyone.stream().allMatch(socket -> since(socket, before).size() >= 40));
    for (TestSocket socket : everyone) {
      List<String> texts = since(socket, before);
      assertThat(texts).hasSize(40).doesNotHaveDuplicates();
      assertInOrderPerSender(texts);
    }
  }

  @Test
  @Order(3)
  void killedNodeDoesNotStopTheOthersAndItsRegistrationsGo() throws Exception {
    nodes[2].kill();
    long killed = System.nanoTime();
    List<TestSocket> survivors = connected(0, 1, 3);
    await().atMost(Duration.ofSeconds(20)).until(() -> sockets.get(2).stream().allMatch(TestSocket::isClosed));
    Map<TestSocket, Integer> before = counts(survivors);

    for (int i = 0; i < 30; i++) {
      sockets.get(0).get(0).sendAsync("n0 #" + i + " @0");
      sockets.get(1).get(0).sendAsync("n1 #" + i + " @0");
    }

    await().atMost(Duration.ofSeconds(20))
        .until(() -> survivors.stream().allMatch(socket -> since(socket, before).size() >= 60));
    System.out.printf("cluster: after SIGKILL of a node, the others delivered everything within %d ms of the kill%n",
        (System.nanoTime() - killed) / 1_000_000);
    for (TestSocket socket : survivors) {
      List<String> texts = since(socket, before);
      assertThat(texts).hasSize(60).doesNotHaveDuplicates();
      assertInOrderPerSender(texts);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.of(nodes[0].managementPort()).value("chorus_cluster_members") == 3);
    System.out.printf("cluster: the survivors removed the killed member after %d ms%n",
        (System.nanoTime() - killed) / 1_000_000);
    await().until(() -> nodes[0].output().contains(
        "Cluster '" + CLUSTER_NAME + "': member " + member(2) + " left; 3 members"));
  }

  @Test
  @Order(4)
  void drainingNodeClosesItsClientsWith1001AndLeavesTheClusterCleanly() throws Exception {
    nodes[1].terminate();

    assertThat(nodes[1].awaitExit(Duration.ofSeconds(20))).isZero();
    for (TestSocket socket : sockets.get(1)) {
      assertThat(socket.closeStatus()).isEqualTo((short) 1001);
    }
    assertThat(nodes[1].output()).contains("Draining " + CLIENTS_PER_NODE + " connections over 1s")
        .containsPattern("Drained: closed " + CLIENTS_PER_NODE + " connections in \\d+\\.\\d s");
    await().until(() -> nodes[0].output().contains(
        "Cluster '" + CLUSTER_NAME + "': member " + member(1) + " left; 2 members"));
    await().atMost(Duration.ofSeconds(10)).until(() -> Scrape.of(nodes[0].managementPort()).value("chorus_cluster_members") == 2);

    List<TestSocket> remaining = connected(0, 3);
    Map<TestSocket, Integer> before = counts(remaining);
    sockets.get(3).get(0).send("after the drain");
    await().until(() -> remaining.stream().allMatch(socket -> since(socket, before).equals(List.of("after the drain"))));
  }

  /** A node's Hazelcast address, as the log names it. */
  private static String member(int node) {
    return "127.0.0.1:" + clusterPorts[node];
  }

  private static ServerProcess startNode(int node) {
    String members = Arrays.stream(clusterPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    try {
      return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1", "--port", "0", "--instances", "1",
          "--cluster", "--cluster-name", CLUSTER_NAME, "--cluster-port", Integer.toString(clusterPorts[node]),
          "--cluster-members", members, "--drain-period", "1s");
    } catch (Exception e) {
      throw new IllegalStateException("node " + node + " did not start", e);
    }
  }

  private static void connectClients(int node) throws Exception {
    clients[node] = new TestClients(nodes[node].port());
    sockets.put(node, clients[node].connect(ROOM, CLIENTS_PER_NODE));
  }

  private static List<TestSocket> connected(int... nodeIndexes) {
    return Arrays.stream(nodeIndexes).boxed().flatMap(node -> sockets.get(node).stream()).toList();
  }

  /**
   * A subscription made on one node reaches the others' event buses a few milliseconds after its welcome. Each
   * sending node probes (one more probe on every check) until every client has heard from it, so that the
   * measurement starts on a settled cluster. Probes still in flight are left out of the counts.
   */
  private static void awaitSubscriptionsEverywhere(List<TestSocket> everyone, List<Integer> senders) {
    for (int sender : senders) {
      String probe = "probe from n" + sender;
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        sockets.get(sender).get(0).sendAsync(probe);
        return everyone.stream().allMatch(socket -> socket.texts().contains(probe));
      });
    }
  }

  /** What a socket received since {@code before}, probes left out. */
  private static List<String> since(TestSocket socket, Map<TestSocket, Integer> before) {
    // One snapshot: a message may arrive between two reads of the socket.
    List<String> texts = socket.texts();
    return texts.subList(before.get(socket), texts.size()).stream()
        .filter(text -> !text.startsWith("probe"))
        .toList();
  }

  private static Map<TestSocket, Integer> counts(List<TestSocket> everyone) {
    Map<TestSocket, Integer> counts = new HashMap<>();
    everyone.forEach(socket -> counts.put(socket, socket.messageCount()));
    return counts;
  }

  private static void assertInOrderPerSender(List<String> texts) {
    Map<String, Integer> last = new HashMap<>();
    for (String text : texts) {
      String sender = text.substring(0, text.indexOf(' '));
      int sequence = Integer.parseInt(text.substring(text.indexOf('#') + 1, text.indexOf(' ', text.indexOf('#'))));
      Integer previous = last.put(sender, sequence);
      assertThat(sequence).as("order of %s", sender).isEqualTo(previous == null ? 0 : previous + 1);
    }
  }

  private static double percentile(List<Long> sortedMicros, double quantile) {
    return sortedMicros.get((int) Math.min(sortedMicros.size() - 1, Math.ceil(quantile * sortedMicros.size()) - 1))
        / 1000.0;
  }
}
