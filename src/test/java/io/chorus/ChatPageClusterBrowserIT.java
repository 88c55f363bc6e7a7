package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.TcpProxy;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chat page in a real browser, behind a stand-in load balancer in front of two clustered nodes: the node it is
 * on drains while messages flow, the page reconnects to the other node and resumes there, with no gap and no
 * duplicate.
 */
@Tag("cluster")
class ChatPageClusterBrowserIT {

  private static final String WELCOME = "Welcome to the chat!";
  private static final String VIA_WEBSOCKET = "connected (WebSocket)";

  @Test
  void pageOnANodeThatDrainsResumesOnAnotherWithoutGapOrDuplicate() throws Exception {
    int[] clusterPorts = Sockets.freePorts(2);
    String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1];
    String cluster = "chat-drain-" + UUID.randomUUID();
    try (ServerProcess draining = node(cluster, clusterPorts[0], members);
         ServerProcess staying = node(cluster, clusterPorts[1], members);
         TcpProxy balancer = TcpProxy.to(draining.port());
         TestClients clients = new TestClients(staying.port());
         Browser browser = Browser.launch()) {
      await().atMost(Duration.ofSeconds(60))
          .until(() -> Scrape.of(staying.managementPort()).value("chorus_cluster_members") == 2);
      Browser.Tab tab = browser.open("http://127.0.0.1:" + balancer.port() + "/?room=drain-room", "");
      await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
      await().until(() -> tab.texts("#messages li").contains(WELCOME));
      TestSocket sender = clients.connect("/ws/drain-room");
      List<String> sent = new ArrayList<>(List.of(WELCOME));

      sendAll(sender, "before", sent);
      await().until(() -> tab.texts("#messages li").contains("before 5"));
      balancer.retarget(staying.port());
      draining.terminate();
      sendAll(sender, "while draining", sent);
      assertThat(draining.awaitExit(Duration.ofSeconds(30))).as("the drained node stopped cleanly").isZero();
      sendAll(sender, "once it is gone", sent);

      await().atMost(Duration.ofSeconds(30)).until(() -> tab.texts("#messages li").contains("once it is gone 5"));
      assertThat(tab.texts("#messages li")).containsExactlyElementsOf(sent);
    }
  }

  private static ServerProcess node(String cluster, int clusterPort, String members) throws Exception {
    return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1", "--port", "0", "--instances", "1",
        "--cluster", "--cluster-name", cluster, "--cluster-port", Integer.toString(clusterPort),
        "--cluster-members", members, "--drain-period", "1s");
  }

  /** Sends "{prefix} 1" .. "{prefix} 5" as a plain client and records them as expected on the page. */
  private static void sendAll(TestSocket sender, String prefix, List<String> sent) throws Exception {
    for (int n = 1; n <= 5; n++) {
      sender.send(prefix + " " + n);
      sent.add(prefix + " " + n);
    }
  }
}
