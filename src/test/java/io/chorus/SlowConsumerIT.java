package io.chorus;

import io.chorus.support.MemorySampler;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One client that never reads must cost the server a bounded amount of memory and must not slow anyone else down.
 * The server runs in a JVM of its own, so that its memory meters count the server alone; every connection shares one
 * event loop, so that a stalled connection would hold up the others if anything waited for it.
 */
class SlowConsumerIT {

  private static final int FLOOD_BYTES = 40 * 1024;

  @Test
  void stalledClientIsClosedWithSlowConsumerWhileAThousandOthersReceiveEverything() throws Exception {
    // No server pings for the length of the test: the stalled client reads its frames in order afterwards.
    try (ServerProcess server = ServerProcess.start("--host", "127.0.0.1", "--port", "0", "--instances", "1",
        "--ping-interval", "10m", "--idle-timeout", "20m");
         TestClients clients = new TestClients(server.port());
         MemorySampler memory = new MemorySampler(server.managementPort())) {
      List<TestSocket> others = clients.connect("/ws/others", 1_000);
      List<TestSocket> fast = clients.connect("/ws/flood", 5);
      RawWebSocket stalled = RawWebSocket.connectWithReceiveBuffer(server.port(), "/ws/flood", 4096);
      assertThat(stalled.status()).isEqualTo(101);
      long start = System.nanoTime();

      List<Future<Void>> sent = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        sent.add(others.get(i).sendAsync("others " + i));
      }
      // 160 messages of 40 KiB: 6.4 MB, more than the kernel's socket buffers plus the 1 MiB bound can hold. Sent in
      // batches of 800 KiB that the fast clients read before the next: a client that fell behind by more than the
      // bound would rightly be disconnected too, and the test is about the one that never reads.
      int floodMessages = 160;
      int batchSize = 20;
      for (int batch = 0; batch < floodMessages; batch += batchSize) {
        for (int i = batch; i < batch + batchSize; i++) {
          sent.add(fast.get(0).webSocket().writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(numbered(i))));
        }
        int received = batch + batchSize;
        await().atMost(Duration.ofSeconds(30)).until(() -> fast.stream().allMatch(s -> s.messageCount() >= received));
      }
      Future.all(sent).await(30, TimeUnit.SECONDS);

      // Once it finally reads (within the close timeout), the slow client finds what fitted in its buffers, in
      // order, and then why it was closed.
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_messages_dropped_total{reason=\"slow_consumer\"}") >= 1);
      RawWebSocket.Frame frame = stalled.read();
      assertThat(frame.text()).isEqualTo(TestSocket.WELCOME);
      int received = 0;
      for (frame = stalled.read(); frame.opcode() == RawWebSocket.BINARY; frame = stalled.read()) {
        assertThat(ByteBuffer.wrap(frame.payload()).getInt()).isEqualTo(received++);
      }
      assertThat(frame.opcode()).isEqualTo(RawWebSocket.CLOSE);
      assertThat(frame.closeCode()).isEqualTo(1008);
      assertThat(frame.closeReason()).isEqualTo("slow consumer");
      assertThat(received).isLessThan(floodMessages);

      await().atMost(Duration.ofSeconds(60)).until(() -> fast.stream().allMatch(s -> s.messageCount() == floodMessages));
      fast.forEach(socket -> assertInSequence(socket, floodMessages));
      await().atMost(Duration.ofSeconds(60)).until(() -> others.stream().allMatch(s -> s.messageCount() == 20));
      List<String> expected = IntStream.range(0, 20).mapToObj(i -> "others " + i).toList();
      others.forEach(socket -> assertThat(socket.texts()).isEqualTo(expected));
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"1008\"}") == 1);
      stalled.close();

      System.out.printf("slow consumer (disconnect): %d fast + 1,000 others served in %d ms while 1 client stalled;"
              + " stalled client got %d of %d messages; server peak direct memory %.1f MiB, peak heap %.1f MiB%n",
          fast.size(), elapsedMillis, received, floodMessages,
          memory.peakDirectBytes() / 1048576.0, memory.peakHeapBytes() / 1048576.0);
      assertThat(memory.peakDirectBytes()).isLessThan(64L << 20);
    }
  }

  @Test
  void dropPolicySkipsMessagesForTheStalledClientWithBoundedMemoryAndResumesWhenItReads() throws Exception {
    // No server pings for the length of the test: the stalled client reads its frames in order afterwards.
    try (ServerProcess server = ServerProcess.start("--host", "127.0.0.1", "--port", "0", "--instances", "1",
        "--slow-consumer-policy", "drop", "--rate-limit", "0", "--ping-interval", "10m", "--idle-timeout", "20m");
         TestClients clients = new TestClients(server.port());
         MemorySampler memory = new MemorySampler(server.managementPort())) {
      List<TestSocket> fast = clients.connect("/ws/flood", 2);
      RawWebSocket stalled = RawWebSocket.connectWithReceiveBuffer(server.port(), "/ws/flood", 4096);
      assertThat(stalled.status()).isEqualTo(101);

      // 1,000 messages of 40 KiB: 40 MB through the room, forty times the bound. Sent in batches of 800 KiB that
      // the two fast clients read before the next: under the drop policy a client that fell behind by more than the
      // bound would rightly lose messages too, and the test is about the one that never reads.
      int floodMessages = 1_000;
      int batchSize = 20;
      for (int batch = 0; batch < floodMessages; batch += batchSize) {
        List<Future<Void>> sent = new ArrayList<>();
        for (int i = batch; i < batch + batchSize; i++) {
          sent.add(fast.get(0).webSocket().writeBinaryMessage(io.vertx.core.buffer.Buffer.buffer(numbered(i))));
        }
        Future.all(sent).await(30, TimeUnit.SECONDS);
        int received = batch + batchSize;
        await().atMost(Duration.ofSeconds(30)).until(() -> fast.stream().allMatch(s -> s.messageCount() >= received));
      }
      fast.forEach(socket -> assertInSequence(socket, floodMessages));
      Scrape scrape = Scrape.of(server.managementPort());
      double dropped = scrape.value("chorus_messages_dropped_total{reason=\"slow_consumer\"}");
      assertThat(dropped).isGreaterThan(0);
      assertThat(scrape.value("chorus_connections{transport=\"websocket\"}")).isEqualTo(3);

      RawWebSocket.Frame frame = stalled.read();
      assertThat(frame.text()).isEqualTo(TestSocket.WELCOME);
      int received = 0;
      int last = -1;
      while (received + dropped < floodMessages) {
        frame = stalled.read();
        int sequence = ByteBuffer.wrap(frame.payload()).getInt();
        assertThat(sequence).isGreaterThan(last);
        last = sequence;
        received++;
      }
      fast.get(1).send("after the flood");
      frame = stalled.read();
      assertThat(frame.text()).isEqualTo("after the flood");
      stalled.close();

      System.out.printf("slow consumer (drop): %d messages of %d KiB; stalled client got %d, %d dropped for it;"
              + " server peak direct memory %.1f MiB, peak heap %.1f MiB%n",
          floodMessages, FLOOD_BYTES / 1024, received, (long) dropped,
          memory.peakDirectBytes() / 1048576.0, memory.peakHeapBytes() / 1048576.0);
      assertThat(memory.peakDirectBytes()).isLessThan(32L << 20);
    }
  }

  private static byte[] numbered(int sequence) {
    return ByteBuffer.allocate(FLOOD_BYTES).putInt(sequence).array();
  }

  private static void assertInSequence(TestSocket socket, int count) {
    List<TestSocket.Received> messages = socket.messages();
    assertThat(messages).hasSize(count);
    for (int i = 0; i < count; i++) {
      assertThat(ByteBuffer.wrap(messages.get(i).data()).getInt()).isEqualTo(i);
    }
  }
}
