package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Clients that break limits are summarised in the log, one line per kind at most every 10 s, with the count and one
 * client's address: never one line per event, and none lost.
 */
class MisbehaviourLogIT {

  private static final Pattern RATE_LIMITED = Pattern.compile(
      " WARN .* Refusals - ([\\d,]+) connections closed for rate limit exceeded \\(1008\\) in the last (\\d+) s"
          + " \\(e\\.g\\. 127\\.0\\.0\\.1\\)");
  private static final Pattern INVALID_ROOM = Pattern.compile(
      " WARN .* Refusals - ([\\d,]+) WebSocket upgrades refused \\(invalid_room\\) in the last (\\d+) s"
          + " \\(e\\.g\\. 127\\.0\\.0\\.1\\)");

  @Test
  void rateLimitClosesAndRefusedUpgradesAreSummarisedPerKindNotLoggedPerEvent() throws Exception {
    int flooders = 40;
    int refused = 60;
    try (ServerProcess server = ServerProcess.start("--host", "127.0.0.1", "--port", "0", "--rate-limit", "1",
        "--rate-limit-burst", "1");
         TestClients clients = new TestClients(server.port())) {
      long start = System.nanoTime();
      List<TestSocket> sockets = clients.connect("/ws/flood", flooders);
      for (TestSocket socket : sockets) {
        for (int i = 0; i < 10; i++) {
          socket.sendAsync("flood " + i);
        }
      }
      for (int i = 0; i < refused; i++) {
        try (RawWebSocket upgrade = RawWebSocket.connect(server.port(), "/ws/" + "x".repeat(65))) {
          assertThat(upgrade.status()).isEqualTo(400);
        }
      }
      await().until(() -> sockets.stream().allMatch(TestSocket::isClosed));
      assertThat(sockets).allSatisfy(socket -> assertThat(socket.closeStatus()).isEqualTo((short) 1008));

      // The first line comes within a tick of the first event; the rest of a burst 10 s later.
      await().atMost(Duration.ofSeconds(25)).until(() -> total(server.output(), RATE_LIMITED) == flooders
          && total(server.output(), INVALID_ROOM) == refused);
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      String log = server.output();
      System.out.printf("misbehaviour log: %d rate-limit closes in %d lines, %d refused upgrades in %d lines%n",
          flooders, lines(log, RATE_LIMITED), refused, lines(log, INVALID_ROOM));
      assertThat(lines(log, RATE_LIMITED)).isBetween(1L, 1 + seconds / 10);
      assertThat(lines(log, INVALID_ROOM)).isBetween(1L, 1 + seconds / 10);
      assertThat(log.lines().filter(line -> line.contains(" Refusals - "))).hasSizeLessThanOrEqualTo(6);
    }
  }

  private static long lines(String log, Pattern kind) {
    return log.lines().filter(line -> kind.matcher(line).find()).count();
  }

  private static long total(String log, Pattern kind) {
    return log.lines().map(kind::matcher).filter(Matcher::find)
        .mapToLong(matcher -> Long.parseLong(matcher.group(1).replace(",", ""))).sum();
  }
}
