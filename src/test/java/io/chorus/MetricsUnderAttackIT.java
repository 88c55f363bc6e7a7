package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Pipeline;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client sends never becomes a label, and scrapes never hold an event loop: floods of made-up methods, paths
 * and rooms leave the exposition as it was, and pipelined scrapes leave chat unharmed.
 */
class MetricsUnderAttackIT {

  /**
   * Series a quiet node may still gain on its own during the test (a garbage collection with a new cause, a thread
   * state first seen); the flood without closed labels added about eleven per made-up method.
   */
  private static final int SLACK = 20;
  /** Tasks run on Vert.x's worker pool, where Chorus renders the exposition and does nothing else. */
  private static final String WORKER_TASKS =
      "vertx_pool_usage_seconds_count{pool_name=\"vert.x-worker-thread\",pool_type=\"worker\"}";

  @Test
  void madeUpMethodsPathsAndRoomsAddNoSeries() throws Exception {
    try (TestServer server = TestServer.start();
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/bystander")) {
      // One of each kind first, so that every value of every closed label set exists before the baseline.
      Pipeline.send(server.port(), List.of("GET / HTTP/1.1", "GET /nowhere HTTP/1.1", "MADEUP / HTTP/1.1",
          "MADEUP /nowhere HTTP/1.1", "POST / HTTP/1.1", "POST /nowhere HTTP/1.1"));
      RawWebSocket.connect(server.port(), "/ws/first-room").close();
      Scrape.of(server.managementPort());
      Set<String> baseline = Scrape.of(server.managementPort()).seriesNames();

      // A refused method ends its connection, so each made-up method comes on a connection of its own.
      assertThat(oneConnectionEach(2_000, i -> "FLOOD" + i + " / HTTP/1.1", server.port())).isEqualTo(2_000);
      assertThat(inParallel(4, 500, i -> "GET /page-" + i + " HTTP/1.1", server.port())).isEqualTo(2_000);
      assertThat(oneConnectionEach(2_000, i -> "FLOOD" + i + " /page-" + i + "?q=" + i + " HTTP/1.1",
          server.managementPort())).isEqualTo(2_000);
      for (int i = 0; i < 200; i++) {
        try (RawWebSocket socket = RawWebSocket.connect(server.port(), "/ws/room-" + i)) {
          assertThat(socket.status()).isEqualTo(101);
        }
      }

      Set<String> after = Scrape.of(server.managementPort()).seriesNames();
      Set<String> added = new HashSet<>(after);
      added.removeAll(baseline);
      assertThat(added.size())
          .as("series added by 6,000 requests and 200 rooms, among them %s", added.stream().sorted().limit(10).toList())
          .isLessThanOrEqualTo(SLACK);
      assertThat(String.join("\n", after)).doesNotContain("FLOOD", "page-", "room-");
      bystander.assertUnharmed();
    }
  }

  @Test
  void pipelinedScrapesOnTheClientsEventLoopLeaveChatUnharmed() throws Exception {
    // One event loop, metrics on the client port: every scrape arrives on the bystander's own loop.
    try (TestServer server = TestServer.start("--instances", "1", "--management-port", "main");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/bystander")) {
      double rendersBefore = Scrape.of(server.port()).value(WORKER_TASKS);

      assertThat(inParallel(4, 250, i -> "GET /metrics HTTP/1.1", server.port())).isEqualTo(1_000);

      double renders = Scrape.of(server.port()).value(WORKER_TASKS) - rendersBefore - 1;
      System.out.printf("metrics: 1,000 pipelined scrapes made %.0f renders%n", renders);
      assertThat(renders).as("renders on worker threads, shared by the scrapes").isBetween(1.0, 999.0);
      bystander.assertUnharmed();
    }
  }

  /** {@code count} requests, each on a connection of its own, four connections at a time; the answers read. */
  private static int oneConnectionEach(int count, IntFunction<String> request, int port) throws Exception {
    return answers(4, IntStream.range(0, count).mapToObj(i -> List.of(request.apply(i))).toList(), port);
  }

  /** {@code connections} connections, each pipelining {@code perConnection} requests; the answers read. */
  private static int inParallel(int connections, int perConnection, IntFunction<String> request, int port)
      throws Exception {
    List<List<String>> pipelines = IntStream.range(0, connections)
        .mapToObj(c -> IntStream.range(c * perConnection, (c + 1) * perConnection).mapToObj(request).toList())
        .toList();
    return answers(connections, pipelines, port);
  }

  /** Each list of request lines pipelined on a connection of its own, {@code threads} at a time; the answers read. */
  private static int answers(int threads, List<List<String>> pipelines, int port) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> answers = new ArrayList<>();
      for (List<String> lines : pipelines) {
        answers.add(pool.submit(() -> Pipeline.send(port, lines)));
      }
      int total = 0;
      for (Future<Integer> answered : answers) {
        total += answered.get();
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }
}
