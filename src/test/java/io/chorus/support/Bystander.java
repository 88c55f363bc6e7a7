package io.chorus.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A well-behaved chat client that keeps talking while a test attacks the server: every {@link #INTERVAL} it sends a
 * numbered message to its own room and times how long the broadcast takes to come back. A test proves the attack
 * harmless with {@link #assertUnharmed()}: nothing lost, nothing reordered, no round trip slower than
 * {@link #MAX_ROUND_TRIP}.
 */
public final class Bystander implements AutoCloseable {

  /** Well under the rate limit's default of 100 messages a second. */
  public static final Duration INTERVAL = Duration.ofMillis(50);
  /**
   * A loopback round trip takes about a millisecond; a wedged or starved event loop shows as seconds. One second
   * leaves room for a garbage collection or a busy CI machine without hiding a stall.
   */
  public static final Duration MAX_ROUND_TRIP = Duration.ofSeconds(1);

  private final TestSocket socket;
  private final ScheduledExecutorService talker = Executors.newSingleThreadScheduledExecutor(task -> {
    Thread thread = new Thread(task, "bystander");
    thread.setDaemon(true);
    return thread;
  });
  private final List<Long> sentNanos = new ArrayList<>();

  private Bystander(TestSocket socket) {
    this.socket = socket;
  }

  /** Connects to {@code path} (a room), waits for the welcome message and starts talking. */
  public static Bystander join(TestClients clients, String path) throws Exception {
    Bystander bystander = new Bystander(clients.connect(path));
    bystander.talker.scheduleAtFixedRate(bystander::talk, 0, INTERVAL.toNanos(), TimeUnit.NANOSECONDS);
    return bystander;
  }

  /**
   * Stops talking, waits for the last message to come back, then asserts that every message came back, in order,
   * and none took longer than {@link #MAX_ROUND_TRIP}. Messages from other clients of the room are ignored.
   */
  public void assertUnharmed() throws Exception {
    stopTalking();
    List<Long> sent;
    synchronized (sentNanos) {
      sent = List.copyOf(sentNanos);
    }
    assertThat(sent).as("messages the bystander sent").isNotEmpty();
    String last = message(sent.size() - 1);
    await().until(() -> socket.texts().contains(last));
    List<TestSocket.Received> own = socket.messages().stream()
        .filter(received -> received.text().startsWith("bystander "))
        .toList();
    assertThat(own.stream().map(TestSocket.Received::text).toList())
        .as("the bystander's own messages, as they came back")
        .containsExactlyElementsOf(IntStream.range(0, sent.size()).mapToObj(Bystander::message).toList());
    long slowest = 0;
    for (int i = 0; i < own.size(); i++) {
      slowest = Math.max(slowest, own.get(i).receivedNanos() - sent.get(i));
    }
    assertThat(Duration.ofNanos(slowest)).as("the bystander's slowest round trip").isLessThan(MAX_ROUND_TRIP);
    assertThat(socket.isClosed()).as("the bystander's connection closed").isFalse();
  }

  @Override
  public void close() throws Exception {
    stopTalking();
    if (!socket.isClosed()) {
      socket.close();
    }
  }

  private void stopTalking() throws InterruptedException {
    talker.shutdown();
    assertThat(talker.awaitTermination(10, TimeUnit.SECONDS)).as("the bystander stopped talking").isTrue();
  }

  private void talk() {
    int index;
    synchronized (sentNanos) {
      index = sentNanos.size();
      sentNanos.add(System.nanoTime());
    }
    socket.sendAsync(message(index));
  }

  private static String message(int index) {
    return "bystander " + index;
  }
}
