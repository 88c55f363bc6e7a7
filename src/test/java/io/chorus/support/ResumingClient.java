package io.chorus.support;

import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor.DiscardPolicy;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A chorus.v1 client that stays connected as chorus.js does, through a load balancer that may send it to any node:
 * after a close it reconnects after a full-jitter delay of 0 .. min(10 s, 0.5 s × 2^failures), failures counted
 * since the last welcome, and subscribes to its rooms again from the last message it got ({@code since}). It keeps
 * every message of every connection in the order they came, repeats included, so that a test can count what was
 * lost, repeated or reordered, and how long each reconnect took.
 * <p>
 * It can also publish at a steady rate. A publish made while disconnected waits for the next connection; one sent
 * on a connection that closed before its ack is uncertain (it may have been numbered or not), as chorus.js rejects
 * it with {@code disconnected}. Everything it does runs on a thread of its own; a test reads it through the
 * accessors, which ask that thread.
 */
public final class ResumingClient implements AutoCloseable {

  private static final long BACKOFF_FIRST_MILLIS = 500;
  private static final long BACKOFF_MAX_MILLIS = 10_000;
  private static final Duration REPLY_WITHIN = Duration.ofSeconds(20);

  /**
   * One reconnect: the close that caused it, when the attempt that succeeded began (after the backoff and any failed
   * attempts), and when every room was subscribed again (the arrival of the last {@code subscribed} reply), all
   * {@link System#nanoTime()}; {@code attempts} connections were tried to get there.
   */
  public record Reconnect(short closeStatus, String closeReason, long closedNanos, long connectingNanos,
      long resumedNanos, int attempts) {

    /** From the close to every room resumed. */
    public long millis() {
      return (resumedNanos - closedNanos) / 1_000_000;
    }

    /** From the start of the attempt that succeeded to every room resumed: the backoff left out. */
    public long attemptMillis() {
      return (resumedNanos - connectingNanos) / 1_000_000;
    }
  }

  /** A room's position and what its closed connections delivered; the live connection's messages are read anew. */
  private static final class Room {
    private String epoch;
    private long subscribedSeq;
    private final List<JsonObject> delivered = new ArrayList<>();
    private final List<JsonObject> gaps = new ArrayList<>();
    /** Answers to a subscribe that were not a recovered subscription in the same epoch. */
    private final List<JsonObject> refusals = new ArrayList<>();
  }

  private final TestClients clients;
  private final List<String> names;
  private final Map<String, Room> rooms = new LinkedHashMap<>();
  /** Once closed, it drops what comes late: a connection's close reported after the client's own close. */
  private final ScheduledExecutorService thread = new ScheduledThreadPoolExecutor(1, new DiscardPolicy());
  private final List<Reconnect> reconnects = new ArrayList<>();
  private V1Client connection;
  private boolean resumed;
  private boolean closing;
  private int failures;
  private int attempts;
  private short closeStatus;
  private String closeReason;
  private long closedNanos;

  private String publishRoom;
  private ScheduledFuture<?> publishing;
  private int nextPublish;
  private final List<String> published = new ArrayList<>();
  private final Queue<String> waiting = new ArrayDeque<>();
  private final Map<Long, String> inFlight = new HashMap<>();
  private final Map<String, Long> acked = new HashMap<>();
  private final List<String> uncertain = new ArrayList<>();
  private final List<JsonObject> publishErrors = new ArrayList<>();

  private ResumingClient(TestClients clients, List<String> rooms) {
    this.clients = clients;
    this.names = List.copyOf(rooms);
    rooms.forEach(room -> this.rooms.put(room, new Room()));
  }

  /** Connects through {@code clients} (to {@code /ws}) and subscribes to {@code rooms}, without waiting. */
  public static ResumingClient start(TestClients clients, List<String> rooms) {
    ResumingClient client = new ResumingClient(clients, rooms);
    client.thread.execute(client::connect);
    return client;
  }

  /** The rooms it subscribes to. */
  public List<String> rooms() {
    return names;
  }

  /** Publishes {@code prefix-0}, {@code prefix-1}, .. into {@code room}, {@code perSecond} a second, until stopped. */
  public void publishSteadily(String room, int perSecond, String prefix) throws Exception {
    onThread(() -> {
      publishRoom = room;
      publishing = thread.scheduleAtFixedRate(() -> publish(prefix + "-" + nextPublish++), 0,
          1_000_000 / perSecond, TimeUnit.MICROSECONDS);
      return null;
    });
  }

  /** Stops publishing; what was published waits for its ack ({@link #unsettledPublishes()}). */
  public void stopPublishing() throws Exception {
    onThread(() -> publishing.cancel(false));
  }

  /** Publishes made that are neither acked nor uncertain yet: waiting for a connection, or for their ack. */
  public int unsettledPublishes() throws Exception {
    return onThread(() -> {
      if (connection != null) {
        settle(connection);
      }
      return waiting.size() + inFlight.size();
    });
  }

  /** Whether every room has a position: its first {@code subscribed} reply came. */
  public boolean subscribed() throws Exception {
    return onThread(() -> rooms.values().stream().allMatch(room -> room.epoch != null));
  }

  /** The room's epoch and number as its first {@code subscribed} reply gave them. */
  public String epoch(String room) throws Exception {
    return onThread(() -> rooms.get(room).epoch);
  }

  public long subscribedSeq(String room) throws Exception {
    return onThread(() -> rooms.get(room).subscribedSeq);
  }

  /** Every message of the room that reached this client, over all its connections, in the order they came. */
  public List<JsonObject> messages(String room) throws Exception {
    return onThread(() -> {
      List<JsonObject> all = new ArrayList<>(rooms.get(room).delivered);
      if (connection != null) {
        all.addAll(connection.pushes("message", room));
      }
      return all;
    });
  }

  /** The {@code gap} pushes of the room, over all connections. */
  public List<JsonObject> gaps(String room) throws Exception {
    return onThread(() -> {
      List<JsonObject> all = new ArrayList<>(rooms.get(room).gaps);
      if (connection != null) {
        all.addAll(connection.pushes("gap", room));
      }
      return all;
    });
  }

  /** Answers to a resume that were not {@code subscribed} with {@code recovered:true} in the first epoch. */
  public List<JsonObject> refusals(String room) throws Exception {
    return onThread(() -> List.copyOf(rooms.get(room).refusals));
  }

  public List<Reconnect> reconnects() throws Exception {
    return onThread(() -> List.copyOf(reconnects));
  }

  /** Everything this client published, in order. */
  public List<String> published() throws Exception {
    return onThread(() -> List.copyOf(published));
  }

  /** Each acked publish's data and the number the ack gave it. */
  public Map<String, Long> acked() throws Exception {
    return onThread(() -> {
      if (connection != null) {
        settle(connection);
      }
      return Map.copyOf(acked);
    });
  }

  /** Publishes sent on a connection that closed before their ack. */
  public List<String> uncertain() throws Exception {
    return onThread(() -> List.copyOf(uncertain));
  }

  /** Publishes answered with an error. */
  public List<JsonObject> publishErrors() throws Exception {
    return onThread(() -> List.copyOf(publishErrors));
  }

  @Override
  public void close() throws Exception {
    V1Client last = onThread(() -> {
      closing = true;
      if (publishing != null) {
        publishing.cancel(false);
      }
      return connection;
    });
    if (last != null) {
      last.close();
    }
    thread.shutdown();
    thread.awaitTermination(30, TimeUnit.SECONDS);
  }

  private void connect() {
    if (closing) {
      return;
    }
    attempts++;
    long connectingNanos = System.nanoTime();
    V1Client opened;
    try {
      opened = V1Client.connect(clients, "/ws");
    } catch (Exception refused) {
      // The balancer found no node to take it (all retries failed) or the welcome did not come: try again later.
      thread.schedule(this::connect, backoff(failures++), TimeUnit.MILLISECONDS);
      return;
    }
    connection = opened;
    resumed = false;
    opened.socket().closed().onComplete(closed -> {
      long closedAt = System.nanoTime();
      thread.execute(() -> closed(opened, closedAt));
    });
    Map<String, Long> subscribes = new LinkedHashMap<>();
    rooms.forEach((name, room) -> subscribes.put(name, opened.sendAsync(subscribe(name, room))));
    try {
      await().atMost(REPLY_WITHIN).until(() -> opened.socket().isClosed()
          || subscribes.values().stream().allMatch(id -> reply(opened, id) != null));
    } catch (RuntimeException unanswered) {
      opened.socket().webSocket().close();
      return;
    }
    if (opened.socket().isClosed()) {
      return;
    }
    subscribes.forEach((name, id) -> subscribed(rooms.get(name), reply(opened, id)));
    long resumedNanos = subscribes.values().stream().mapToLong(id -> arrival(opened, id)).max()
        .orElseGet(() -> opened.socket().all().get(0).receivedNanos());
    if (closedNanos != 0) {
      reconnects.add(new Reconnect(closeStatus, closeReason, closedNanos, connectingNanos, resumedNanos, attempts));
    }
    failures = 0;
    attempts = 0;
    resumed = true;
    while (!waiting.isEmpty()) {
      send(waiting.poll());
    }
  }

  private JsonObject subscribe(String name, Room room) {
    JsonObject command = new JsonObject().put("type", "subscribe").put("room", name);
    if (room.epoch != null) {
      long seq = room.delivered.isEmpty()
          ? room.subscribedSeq
          : room.delivered.get(room.delivered.size() - 1).getLong("seq");
      command.put("since", new JsonObject().put("epoch", room.epoch).put("seq", seq));
    }
    return command;
  }

  private void subscribed(Room room, JsonObject reply) {
    if (!"subscribed".equals(reply.getString("type"))) {
      room.refusals.add(reply);
    } else if (room.epoch == null) {
      room.epoch = reply.getString("epoch");
      room.subscribedSeq = reply.getLong("seq");
    } else if (!room.epoch.equals(reply.getString("epoch")) || !reply.getBoolean("recovered", false)) {
      room.refusals.add(reply);
    }
  }

  /** Keeps what the closed connection delivered, and comes back after the backoff. */
  private void closed(V1Client closed, long closedAt) {
    rooms.forEach((name, room) -> {
      room.delivered.addAll(closed.pushes("message", name));
      room.gaps.addAll(closed.pushes("gap", name));
    });
    settle(closed);
    uncertain.addAll(inFlight.values());
    inFlight.clear();
    closeStatus = closed.socket().closeStatus() == null ? -1 : closed.socket().closeStatus();
    closeReason = closed.socket().closeReason();
    closedNanos = closedAt;
    connection = null;
    if (!closing) {
      thread.schedule(this::connect, backoff(failures++), TimeUnit.MILLISECONDS);
    }
  }

  private void publish(String data) {
    published.add(data);
    if (connection != null && resumed) {
      send(data);
    } else {
      waiting.add(data);
    }
  }

  private void send(String data) {
    inFlight.put(connection.sendAsync(
        new JsonObject().put("type", "publish").put("room", publishRoom).put("data", data)), data);
  }

  /** Moves the publishes that {@code over} answered out of flight. */
  private void settle(V1Client over) {
    inFlight.entrySet().removeIf(sent -> {
      JsonObject reply = reply(over, sent.getKey());
      if (reply == null) {
        return false;
      }
      if ("ack".equals(reply.getString("type"))) {
        acked.put(sent.getValue(), reply.getLong("seq"));
      } else {
        publishErrors.add(reply);
      }
      return true;
    });
  }

  private static JsonObject reply(V1Client over, long id) {
    return over.received().stream()
        .filter(json -> json.getValue("id") instanceof Number number && number.longValue() == id)
        .findFirst().orElse(null);
  }

  /** When the reply to {@code id} arrived. */
  private static long arrival(V1Client over, long id) {
    return over.socket().all().stream()
        .filter(message -> !message.binary()
            && new JsonObject(message.text()).getValue("id") instanceof Number number && number.longValue() == id)
        .findFirst().orElseThrow().receivedNanos();
  }

  private static long backoff(int failures) {
    long bound = Math.min(BACKOFF_MAX_MILLIS, BACKOFF_FIRST_MILLIS << Math.min(failures, 10));
    return ThreadLocalRandom.current().nextLong(bound + 1);
  }

  private <T> T onThread(Callable<T> task) throws Exception {
    return thread.submit(task).get(30, TimeUnit.SECONDS);
  }
}
