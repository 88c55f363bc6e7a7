package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TcpProxy;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
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
 * The chat page in a real browser, behind a stand-in load balancer in front of a cluster of three nodes: the node it
 * is on dies (SIGKILL) or drains while messages flow, the balancer sends it to another node, and the page resumes
 * there with no gap and no duplicate. The tests share the cluster (forming it is the expensive part) and run in
 * order: the kill first, while every room's stream still has its backup copy on another node.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChatPageClusterBrowserIT {

  private static final String WELCOME = "Welcome to the chat!";
  private static final String VIA_WEBSOCKET = "connected (WebSocket)";
  private static final String VIA_SSE = "connected (SSE fallback)";
  private static final int KILLED = 0;
  private static final int DRAINING = 1;
  private static final int STAYING = 2;
  /**
   * Covers everything published while a page is away: its EventSource comes back about 3 s after the kill (the
   * browser's reconnection time), some 120 messages at the pace below.
   */
  private static final int HISTORY_SIZE = 1_000;

  private static final ServerProcess[] nodes = new ServerProcess[3];
  private static Browser browser;

  @BeforeAll
  static void formCluster() throws Exception {
    int[] clusterPorts = Sockets.freePorts(nodes.length);
    String members = IntStream.of(clusterPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    String cluster = "chat-page-" + UUID.randomUUID();
    List<CompletableFuture<ServerProcess>> starting = IntStream.of(clusterPorts)
        .mapToObj(port -> CompletableFuture.supplyAsync(() -> node(cluster, port, members)))
        .toList();
    for (int node = 0; node < nodes.length; node++) {
      nodes[node] = starting.get(node).join();
    }
    for (ServerProcess node : nodes) {
      await().atMost(Duration.ofSeconds(60))
          .until(() -> Scrape.of(node.managementPort()).value("chorus_cluster_members") == nodes.length);
    }
    browser = Browser.launch();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (browser != null) {
      browser.close();
    }
    for (ServerProcess node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }

  @Test
  @Order(1)
  void sseTabOnANodeKilledMidStreamResumesOnAnotherWithEveryMessageOnceInOrder() throws Exception {
    try (TcpProxy balancer = TcpProxy.to(nodes[KILLED].port());
         TestClients clients = new TestClients(nodes[STAYING].port())) {
      Browser.Tab tab = browser.open("http://127.0.0.1:" + balancer.port() + "/?room=kill-room",
          "delete window.WebSocket;");
      await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_SSE));
      await().until(() -> tab.texts("#messages .text").contains(WELCOME));
      List<String> sent = Collections.synchronizedList(new ArrayList<>());

      CompletableFuture<Void> flow = publishSteadily(V1Client.connect(clients, "/ws"), "kill-room", 200, sent);
      await().until(() -> tab.texts("#messages .text").size() > 20);
      nodes[KILLED].kill();
      balancer.retarget(nodes[STAYING].port());
      flow.get(60, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(30)).until(() -> tab.texts("#messages .text").contains("m200"));
      assertThat(tab.texts("#messages li.message .text")).containsExactlyElementsOf(sent);
      assertThat(tab.texts("#messages li.system .text"))
          .as("a welcome, then only resumes that recovered what they missed").startsWith(WELCOME)
          .hasSizeGreaterThan(1).allMatch(line -> line.equals(WELCOME) || line.matches(ChatPageBrowserIT.RECOVERED));
      assertThat(tab.text("#status")).isEqualTo(VIA_SSE);
      assertThat(Scrape.of(nodes[STAYING].managementPort()).value("chorus_connections{transport=\"sse\"}"))
          .as("the tab's stream, now on the node that stayed").isEqualTo(1);
    }
  }

  @Test
  @Order(2)
  void pageOnANodeThatDrainsResumesOnAnotherWithoutGapOrDuplicate() throws Exception {
    ServerProcess draining = nodes[DRAINING];
    try (TcpProxy balancer = TcpProxy.to(draining.port());
         TestClients clients = new TestClients(nodes[STAYING].port())) {
      Browser.Tab tab = browser.open("http://127.0.0.1:" + balancer.port() + "/?room=drain-room", "");
      await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
      await().until(() -> tab.texts("#messages .text").contains(WELCOME));
      TestSocket sender = clients.connect("/ws/drain-room");
      List<String> sent = new ArrayList<>();

      sendAll(sender, "before", sent);
      await().until(() -> tab.texts("#messages .text").contains("before 5"));
      balancer.retarget(nodes[STAYING].port());
      draining.terminate();
      sendAll(sender, "while draining", sent);
      assertThat(draining.awaitExit(Duration.ofSeconds(30))).as("the drained node stopped cleanly").isZero();
      sendAll(sender, "once it is gone", sent);

      await().atMost(Duration.ofSeconds(30)).until(() -> tab.texts("#messages .text").contains("once it is gone 5"));
      assertThat(tab.texts("#messages li.message .text")).containsExactlyElementsOf(sent);
      assertThat(tab.texts("#messages li.system .text")).as("a welcome, then the resume on the node that stayed")
          .hasSize(2).startsWith(WELCOME).last().asString().matches(ChatPageBrowserIT.RECOVERED);
    }
  }

  private static ServerProcess node(String cluster, int clusterPort, String members) {
    try {
      return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1", "--port", "0", "--instances", "1",
          "--cluster", "--cluster-name", cluster, "--cluster-port", Integer.toString(clusterPort),
          "--cluster-members", members, "--drain-period", "1s", "--history-size", Integer.toString(HISTORY_SIZE));
    } catch (Exception e) {
      throw new IllegalStateException("the node on cluster port " + clusterPort + " did not start", e);
    }
  }

  /** Sends "{prefix} 1" .. "{prefix} 5" as a plain client and records them as expected on the page. */
  private static void sendAll(TestSocket sender, String prefix, List<String> sent) throws Exception {
    for (int n = 1; n <= 5; n++) {
      sender.send(prefix + " " + n);
      sent.add(prefix + " " + n);
    }
  }

  /**
   * Publishes "m1" .. "m{count}" one at a time, each after the previous one's answer and 25 ms, and records those
   * acknowledged as expected on the page; one refused while the cluster recovers from the kill is published again.
   */
  private static CompletableFuture<Void> publishSteadily(V1Client publisher, String room, int count, List<String> sent) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger next = new AtomicInteger(1);
    pace.scheduleWithFixedDelay(() -> {
      String text = "m" + next.get();
      try {
        if (publisher.publish(room, text).getString("type").equals("ack")) {
          sent.add(text);
          next.incrementAndGet();
        }
      } catch (Exception | AssertionError failed) {
        done.completeExceptionally(failed);
      }
      if (next.get() > count || done.isDone()) {
        done.complete(null);
        pace.shutdown();
      }
    }, 0, 25, TimeUnit.MILLISECONDS);
    return done;
  }
}
