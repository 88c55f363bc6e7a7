package io.chorus;

import io.chorus.support.Haproxy;
import io.chorus.support.ResumingClient;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TestClients;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart behind a real load balancer loses nothing. Three clustered nodes (separate JVMs) stand behind
 * Debian's HAProxy running {@code deploy/haproxy/haproxy.cfg} as committed (round robin, no sticky sessions, health
 * checks on {@code /health/ready}). chorus.v1 clients reconnect as chorus.js does and resume each room from its last
 * message, and publishers publish at a steady rate, all through HAProxy, while every node in turn gets SIGTERM,
 * drains (1001 spread over 2 s), exits 0, starts again on the same ports, and is back in HAProxy before the next
 * goes: a clustered node answers {@code /health/ready} with 200 only once Hazelcast has every backup in sync again.
 * Every client ends with every message of its rooms exactly once and in order; the test prints how many were lost,
 * repeated or reordered, and the reconnect latency from the 1001 close to every room resumed.
 */
@Tag("cluster")
@Tag("rolling-restart")
class HaproxyRollingRestartIT {

  private static final int NODES = 3;
  private static final List<String> ROOMS = List.of("room-0", "room-1", "room-2");
  /** Each in two rooms: 16 subscribers per room. */
  private static final int SUBSCRIBERS = 24;
  /** Messages a second each room's publisher sends. */
  private static final int RATE = 40;
  /** Holds every message the test publishes, so that the end compares each client with the room's whole stream. */
  private static final int HISTORY_SIZE = 10_000;

  private final String clusterName = "chorus-rolling-restart-it-" + UUID.randomUUID();
  private final ServerProcess[] nodes = new ServerProcess[NODES];
  private int[] clusterPorts;
  private int[] ports;
  private int[] managementPorts;

  @Test
  void aRollingRestartBehindHaproxyDeliversEveryMessageOnceAndInOrderToEveryClient() throws Exception {
    int[] free = Sockets.freePorts(3 * NODES);
    clusterPorts = Arrays.copyOfRange(free, 0, NODES);
    ports = Arrays.copyOfRange(free, NODES, 2 * NODES);
    managementPorts = Arrays.copyOfRange(free, 2 * NODES, 3 * NODES);
    try {
      formCluster();
      try (Haproxy haproxy = Haproxy.start(ports, managementPorts);
           TestClients clients = new TestClients(haproxy.port())) {
        await().atMost(Duration.ofSeconds(30)).until(() -> haproxy.stats().servers().values().stream()
            .allMatch(server -> server.status().equals("UP")));
        List<ResumingClient> subscribers = new ArrayList<>();
        List<ResumingClient> publishers = new ArrayList<>();
        try {
          for (int i = 0; i < SUBSCRIBERS; i++) {
            subscribers.add(ResumingClient.start(clients, List.of(ROOMS.get(i % 3), ROOMS.get((i + 1) % 3))));
          }
          while (publishers.size() < ROOMS.size()) {
            publishers.add(ResumingClient.start(clients, List.of()));
          }
          rollUnderLoad(haproxy, subscribers, publishers);
          Map<String, JsonObject> histories = histories(clients);
          Map<String, List<JsonObject>> streams = new HashMap<>();
          histories.forEach((room, history) -> streams.put(room, history.getJsonArray("messages", new JsonArray())
              .stream().map(JsonObject.class::cast).toList()));
          try {
            await().atMost(Duration.ofSeconds(30)).until(() -> caughtUp(subscribers, streams));
          } catch (ConditionTimeoutException stillMissing) {
            // The report below counts what never came.
          }
          report(subscribers, publishers, streams, haproxy.stats());
          for (int room = 0; room < ROOMS.size(); room++) {
            checkStream(ROOMS.get(room), histories.get(ROOMS.get(room)), publishers.get(room), subscribers);
          }
          checkSubscribers(subscribers, streams);
        } finally {
          for (ResumingClient client : subscribers) {
            client.close();
          }
          for (ResumingClient client : publishers) {
            client.close();
          }
        }
      }
    } finally {
      for (ServerProcess node : nodes) {
        if (node != null) {
          node.close();
        }
      }
    }
  }

  private void formCluster() throws Exception {
    List<CompletableFuture<ServerProcess>> starting = IntStream.range(0, NODES)
        .mapToObj(node -> CompletableFuture.supplyAsync(() -> startNode(node)))
        .toList();
    for (int node = 0; node < NODES; node++) {
      nodes[node] = starting.get(node).join();
    }
    awaitFullCluster();
  }

  /**
   * Once every client is subscribed, each room's publisher publishes steadily; every node is restarted in turn while
   * they do, and they go on until each has had some more messages acked by the new nodes, then wait for their acks.
   */
  private void rollUnderLoad(Haproxy haproxy, List<ResumingClient> subscribers, List<ResumingClient> publishers)
      throws Exception {
    await().atMost(Duration.ofSeconds(60)).until(() -> allSubscribed(subscribers));
    for (ServerProcess node : nodes) {
      assertThat(Scrape.of(node.managementPort()).value("chorus_connections{transport=\"websocket\"}"))
          .as("HAProxy gave every node some of the clients").isPositive();
    }
    for (int room = 0; room < ROOMS.size(); room++) {
      publishers.get(room).publishSteadily(ROOMS.get(room), RATE, "p" + room);
    }
    awaitAcked(publishers, RATE / 2);
    for (int node = 0; node < NODES; node++) {
      restart(node, haproxy);
    }
    awaitAcked(publishers, RATE / 2);
    for (ResumingClient publisher : publishers) {
      publisher.stopPublishing();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> unsettled(publishers) == 0);
  }

  /** Each room's {@code history} reply, read through HAProxy by a client of its own. */
  private static Map<String, JsonObject> histories(TestClients clients) throws Exception {
    Map<String, JsonObject> histories = new HashMap<>();
    V1Client reader = V1Client.connect(clients, "/ws");
    for (String room : ROOMS) {
      histories.put(room, reader.request(new JsonObject().put("type", "history").put("room", room)
          .put("limit", HISTORY_SIZE)));
    }
    reader.close();
    return histories;
  }

  /**
   * SIGTERM → HAProxy takes the node out while it drains, before it exits (its check answers 503; on a busy
   * machine a check may also time out or fail) → exit 0 → the same node starts again on the same ports → HAProxy
   * takes it back in once it is ready, which a clustered node is once Hazelcast has every backup in sync again.
   * Prints how long each took.
   */
  private void restart(int node, Haproxy haproxy) throws Exception {
    String name = "node" + (node + 1);
    long signalled = System.nanoTime();
    nodes[node].terminate();
    Haproxy.Server down = await().atMost(Duration.ofSeconds(10))
        .until(() -> haproxy.stats().servers().get(name), server -> server.status().equals("DOWN"));
    long outMillis = (System.nanoTime() - signalled) / 1_000_000;
    assertThat(nodes[node].isAlive()).as("%s taken out while it drained (last check %s %s)", name,
        down.checkStatus(), down.checkCode()).isTrue();
    assertThat(nodes[node].awaitExit(Duration.ofSeconds(20))).as("exit status of %s", name).isZero();
    long exitedMillis = (System.nanoTime() - signalled) / 1_000_000;
    nodes[node].close();
    nodes[node] = startNode(node);
    await().atMost(Duration.ofSeconds(30))
        .until(() -> haproxy.stats().servers().get(name).status().equals("UP"));
    long backMillis = (System.nanoTime() - signalled) / 1_000_000;
    assertThat(nodes[node].output()).as("%s ready once the cluster was in sync", name).contains("Cluster in sync");
    awaitFullCluster();
    System.out.printf("rolling restart behind HAProxy: %s out %d ms after SIGTERM (check %s %s), exited %d ms, back"
        + " in %d ms%n", name, outMillis, down.checkStatus(), down.checkCode(), exitedMillis, backMillis);
  }

  /**
   * The room's whole stream, read through HAProxy once publishing stopped: one epoch from the first subscribe to
   * the end, numbers 1 to the last without a hole, every acked publish once at its acked number, an uncertain one
   * (its connection closed before the ack) at most once, and nothing else.
   */
  private static void checkStream(String room, JsonObject history, ResumingClient publisher,
      List<ResumingClient> subscribers) throws Exception {
    assertThat(history.getString("type")).isEqualTo("history");
    assertThat(history.getBoolean("truncated", false)).isFalse();
    for (ResumingClient subscriber : subscribers.stream().filter(client -> client.rooms().contains(room)).toList()) {
      assertThat(subscriber.epoch(room)).as("%s kept its epoch through the restart", room)
          .isEqualTo(history.getString("epoch"));
    }
    List<JsonObject> stream = history.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
    assertThat(stream.stream().map(message -> message.getLong("seq")).toList()).as("numbers of %s", room)
        .isEqualTo(LongStream.rangeClosed(1, history.getLong("seq")).boxed().toList());
    Map<String, Long> numbered = new HashMap<>();
    for (JsonObject message : stream) {
      assertThat(numbered.put(message.getString("data"), message.getLong("seq")))
          .as("%s numbered once in %s", message.getString("data"), room).isNull();
    }
    assertThat(publisher.published()).containsAll(numbered.keySet());
    publisher.acked().forEach((data, seq) -> assertThat(numbered.get(data)).as("acked %s", data).isEqualTo(seq));
    assertThat(publisher.publishErrors()).as("publishes refused in %s", room).isEmpty();
  }

  /**
   * Every subscriber was moved by a drain (a 1001 close), every resume was recovered in the room's one epoch, no
   * gap was announced, and each got exactly the room's stream after its first {@code subscribed}.
   */
  private static void checkSubscribers(List<ResumingClient> subscribers, Map<String, List<JsonObject>> streams)
      throws Exception {
    for (ResumingClient subscriber : subscribers) {
      assertThat(subscriber.reconnects()).as("every client was moved by a drain, with a 1001 close").isNotEmpty()
          .allSatisfy(reconnect -> assertThat(reconnect.closeStatus() + " " + reconnect.closeReason())
              .isEqualTo("1001 server shutting down"));
      for (String room : subscriber.rooms()) {
        assertThat(subscriber.refusals(room)).as("resumes of %s not recovered", room).isEmpty();
        assertThat(subscriber.gaps(room)).as("gaps in %s", room).isEmpty();
        long from = subscriber.subscribedSeq(room);
        assertThat(subscriber.messages(room)).as("what a client got in %s", room)
            .isEqualTo(streams.get(room).stream().filter(message -> message.getLong("seq") > from).toList());
      }
    }
  }

  private static boolean caughtUp(List<ResumingClient> subscribers, Map<String, List<JsonObject>> streams)
      throws Exception {
    for (ResumingClient subscriber : subscribers) {
      for (String room : subscriber.rooms()) {
        List<JsonObject> got = subscriber.messages(room);
        List<JsonObject> stream = streams.get(room);
        long last = stream.isEmpty() ? 0 : stream.get(stream.size() - 1).getLong("seq");
        if (subscriber.subscribedSeq(room) < last && (got.isEmpty() || got.get(got.size() - 1).getLong("seq") < last)) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * Counts, over every subscriber and room, the messages of the stream after its first {@code subscribed} that it
   * never got (lost), got more than once (repeated), or got after a later one (reordered), and prints them with the
   * reconnect latencies before asserting the three are zero.
   */
  private static void report(List<ResumingClient> subscribers, List<ResumingClient> publishers,
      Map<String, List<JsonObject>> streams, Haproxy.Stats stats) throws Exception {
    long expected = 0;
    long lost = 0;
    long repeated = 0;
    long reordered = 0;
    long notRecovered = 0;
    long gaps = 0;
    List<Long> latencies = new ArrayList<>();
    List<Long> attemptLatencies = new ArrayList<>();
    int retried = 0;
    for (ResumingClient subscriber : subscribers) {
      for (String room : subscriber.rooms()) {
        long from = subscriber.subscribedSeq(room);
        List<Long> want = streams.get(room).stream().map(message -> message.getLong("seq"))
            .filter(seq -> seq > from).toList();
        List<Long> got = subscriber.messages(room).stream().map(message -> message.getLong("seq")).toList();
        expected += want.size();
        Set<Long> seen = new HashSet<>();
        long highest = 0;
        for (long seq : got) {
          if (!seen.add(seq)) {
            repeated++;
          } else if (seq < highest) {
            reordered++;
          }
          highest = Math.max(highest, seq);
        }
        lost += want.stream().filter(seq -> !seen.contains(seq)).count();
        notRecovered += subscriber.refusals(room).size();
        gaps += subscriber.gaps(room).size();
      }
      for (ResumingClient.Reconnect reconnect : subscriber.reconnects()) {
        latencies.add(reconnect.millis());
        attemptLatencies.add(reconnect.attemptMillis());
        retried += reconnect.attempts() > 1 ? 1 : 0;
      }
    }
    long publishedCount = 0;
    long uncertain = 0;
    long uncertainNumbered = 0;
    for (int room = 0; room < ROOMS.size(); room++) {
      ResumingClient publisher = publishers.get(room);
      publishedCount += publisher.published().size();
      uncertain += publisher.uncertain().size();
      Set<String> numbered = streams.get(ROOMS.get(room)).stream().map(message -> message.getString("data"))
          .collect(Collectors.toSet());
      uncertainNumbered += publisher.uncertain().stream().filter(numbered::contains).count();
    }
    long publisherReconnects = 0;
    for (ResumingClient publisher : publishers) {
      publisherReconnects += publisher.reconnects().size();
    }
    System.out.printf("rolling restart behind HAProxy: %d messages published in %d rooms at %d/s each (%d sent when"
            + " their connection closed before the ack, %d of those numbered), %d deliveries expected to %d clients:"
            + " %d lost, %d repeated, %d reordered%n", publishedCount, ROOMS.size(), RATE, uncertain,
        uncertainNumbered, expected, SUBSCRIBERS, lost, repeated, reordered);
    System.out.printf("rolling restart behind HAProxy: %d subscriber reconnects (%d needed more than one try, %d"
            + " resumes not recovered, %d gaps), 1001 close to every room resumed: %s; without the client's backoff"
            + " (0-500 ms): %s; %d publisher reconnects; HAProxy retried %d connections, redispatched %d; connections"
            + " per node %s%n",
        latencies.size(), retried, notRecovered, gaps, distribution(latencies), distribution(attemptLatencies),
        publisherReconnects,
        stats.retries(), stats.redispatches(), stats.servers().entrySet().stream()
            .map(entry -> entry.getKey() + "=" + entry.getValue().connections()).collect(Collectors.joining(" ")));

    assertThat(lost).as("messages lost").isZero();
    assertThat(repeated).as("messages repeated").isZero();
    assertThat(reordered).as("messages reordered").isZero();
  }

  private static String distribution(List<Long> millis) {
    List<Long> sorted = millis.stream().sorted().toList();
    return String.format("p50 %d ms, p90 %d ms, p99 %d ms, max %d ms", percentile(sorted, 50), percentile(sorted, 90),
        percentile(sorted, 99), sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
  }

  private static long percentile(List<Long> sorted, int percent) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * percent / 100.0) - 1));
  }

  private static boolean allSubscribed(List<ResumingClient> subscribers) throws Exception {
    for (ResumingClient subscriber : subscribers) {
      if (!subscriber.subscribed()) {
        return false;
      }
    }
    return true;
  }

  /** Waits until each publisher has {@code count} more acks than now. */
  private static void awaitAcked(List<ResumingClient> publishers, int count) throws Exception {
    int[] from = new int[publishers.size()];
    for (int i = 0; i < from.length; i++) {
      from[i] = publishers.get(i).acked().size();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      for (int i = 0; i < from.length; i++) {
        if (publishers.get(i).acked().size() < from[i] + count) {
          return false;
        }
      }
      return true;
    });
  }

  private static int unsettled(List<ResumingClient> publishers) throws Exception {
    int sum = 0;
    for (ResumingClient publisher : publishers) {
      sum += publisher.unsettledPublishes();
    }
    return sum;
  }

  /** Every node counts every other. */
  private void awaitFullCluster() throws Exception {
    for (ServerProcess node : nodes) {
      await().atMost(Duration.ofSeconds(60))
          .until(() -> Scrape.of(node.managementPort()).value("chorus_cluster_members") == NODES);
    }
  }

  /**
   * The node on its own ports every time: HAProxy's configuration names them. No rate limit: a publisher's
   * publishes made while it reconnects leave in one burst on the next connection, and on a busy machine a reconnect
   * can take long enough for that burst to pass the default 200.
   */
  private ServerProcess startNode(int node) {
    String members = Arrays.stream(clusterPorts).mapToObj(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(","));
    try {
      return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1",
          "--port", Integer.toString(ports[node]),
          "--management-port", Integer.toString(managementPorts[node]), "--instances", "1", "--cluster",
          "--cluster-name", clusterName, "--cluster-port", Integer.toString(clusterPorts[node]),
          "--cluster-members", members, "--cluster-failure-timeout", "3s", "--history-size",
          Integer.toString(HISTORY_SIZE), "--drain-period", "2s", "--close-timeout", "1s", "--rate-limit", "0");
    } catch (Exception e) {
      throw new IllegalStateException("node " + node + " did not start", e);
    }
  }
}
