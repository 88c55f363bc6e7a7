package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import io.chorus.support.SseStream;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * chorus.v1 on a cluster of three real JVMs: every room has one stream, numbered once for the whole cluster, kept
 * in Hazelcast with a backup; SSE, plain WebSockets and the HTTP API on the same streams, and each room's subscribers
 * counted over every node, and listed by presence. The tests share one cluster (forming it is the expensive part) and
 * run in order; one freezes a node for a moment, one kills the node that holds a room's primary copy, and the last
 * checks that presence forgot the killed node's connections.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterStreamsIT {

  private static final String CLUSTER_NAME = "chorus-streams-it-" + UUID.randomUUID();
  private static final int NODES = 3;
  /**
   * Holds every message a test publishes: a room that waits for a message longer than its hold (a node starved of
   * CPU on a shared machine) then reads it from history, and the client still sees every number.
   */
  private static final int HISTORY_SIZE = 2_000;
  /** The room whose presence the tests follow across the SIGKILL of a node; it announces joins and leaves. */
  private static final String PRESENT = "present";

  private static int[] clusterPorts;
  private static final ServerProcess[] nodes = new ServerProcess[NODES];
  private static final TestClients[] clients = new TestClients[NODES];
  private static final List<V1Client> opened = Collections.synchronizedList(new ArrayList<>());
  /** Per node, the ids of the connections in {@link #PRESENT} on it, and a chorus.v1 client in it. */
  private static final List<Set<String>> presentOn = new ArrayList<>();
  private static final V1Client[] watchers = new V1Client[NODES];
  /** The node the last test killed, and when. */
  private static int killed = -1;
  private static long killedNanos;

  @BeforeAll
  static void formCluster() throws Exception {
    clusterPorts = Sockets.freePorts(NODES);
    List<CompletableFuture<ServerProcess>> starting = IntStream.range(0, NODES)
        .mapToObj(node -> CompletableFuture.supplyAsync(() -> startNode(node)))
        .toList();
    for (int node = 0; node < NODES; node++) {
      nodes[node] = starting.get(node).join();
      clients[node] = new TestClients(nodes[node].port());
    }
    for (ServerProcess node : nodes) {
      await().atMost(Duration.ofSeconds(60)).until(() -> Scrape.of(node.managementPort()).value("chorus_cluster_members") == NODES);
    }
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (V1Client socket : opened) {
      socket.close();
    }
    for (int node = 0; node < NODES; node++) {
      clients[node].close();
      nodes[node].close();
    }
  }

  @Test
  @Order(1)
  void twoNodesPublishingIntoOneRoomAtOnceGiveEverySubscriberOnEveryNodeTheSameNumberedStream() throws Exception {
    String room = "both-ends";
    List<V1Client> subscribers = new ArrayList<>();
    for (int node = 0; node < NODES; node++) {
      for (int i = 0; i < 2; i++) {
        V1Client subscriber = connect(node);
        subscriber.subscribe(room);
        subscribers.add(subscriber);
      }
    }
    V1Client first = connect(0);
    V1Client second = connect(1);
    long start = settle(room, List.of(first, second), subscribers);
    int perPublisher = 300;
    List<Long> firstIds = new ArrayList<>();
    List<Long> secondIds = new ArrayList<>();
    for (int i = 0; i < perPublisher; i++) {
      firstIds.add(first.sendAsync(publish(room, "a" + i)));
      secondIds.add(second.sendAsync(publish(room, "b" + i)));
    }
    List<Long> acked = new ArrayList<>();
    firstIds.forEach(id -> acked.add(first.replyTo(id, Duration.ofSeconds(20)).getLong("seq")));
    secondIds.forEach(id -> acked.add(second.replyTo(id, Duration.ofSeconds(20)).getLong("seq")));
    long last = start + 2 * perPublisher;
    assertThat(acked).containsExactlyInAnyOrderElementsOf(range(start + 1, last));

    await().untilAsserted(() -> assertThat(subscribers).allSatisfy(subscriber ->
        assertThat(lastSeq(subscriber, room)).as("last message of subscriber %d", subscribers.indexOf(subscriber))
            .isEqualTo(last)));
    Map<Long, String> reference = null;
    for (int i = 0; i < subscribers.size(); i++) {
      V1Client subscriber = subscribers.get(i);
      List<JsonObject> messages = after(start, subscriber.pushes("message", room));
      assertThat(after(start, subscriber.pushes("gap", room))).as("gaps of subscriber %d", i).isEmpty();
      assertThat(seqs(messages)).as("subscriber %d", i).containsExactlyElementsOf(range(start + 1, last));
      Map<Long, String> seen = messages.stream().collect(Collectors.toMap(m -> m.getLong("seq"), m -> m.getString("data")));
      if (reference == null) {
        reference = seen;
      }
      assertThat(seen).as("subscriber %d", i).isEqualTo(reference);
    }
  }

  @Test
  @Order(2)
  void clientsJoiningWhileAnotherNodePublishesFastMissNothingAfterTheirSubscribedNumber() throws Exception {
    String room = "busy";
    int messages = 1_500;
    int joins = 24;
    V1Client publisher = connect(1);
    ScheduledExecutorService pacer = Executors.newScheduledThreadPool(4);
    AtomicInteger published = new AtomicInteger();
    List<Long> ids = Collections.synchronizedList(new ArrayList<>());
    List<ScheduledFuture<Joiner>> joining = new ArrayList<>();
    // 500 messages a second from node 1 for 3 s; a client joins every 100 ms, on each node in turn.
    pacer.scheduleAtFixedRate(() -> {
      int i = published.getAndIncrement();
      if (i < messages) {
        ids.add(publisher.sendAsync(publish(room, "m" + i)));
      }
    }, 0, 2, TimeUnit.MILLISECONDS);
    List<Joiner> joiners = new ArrayList<>();
    try {
      for (int join = 0; join < joins; join++) {
        int node = join % NODES;
        joining.add(pacer.schedule(() -> {
          V1Client joiner = connect(node);
          return new Joiner(joiner, joiner.subscribe(room).getLong("seq"));
        }, 100L * join, TimeUnit.MILLISECONDS));
      }
      for (ScheduledFuture<Joiner> joined : joining) {
        joiners.add(joined.get(30, TimeUnit.SECONDS));
      }
      await().until(() -> published.get() >= messages);
    } finally {
      pacer.shutdownNow();
    }
    long last = publisher.replyTo(ids.get(messages - 1), Duration.ofSeconds(20)).getLong("seq");
    await().untilAsserted(() -> assertThat(joiners).allSatisfy(joiner ->
        assertThat(lastSeq(joiner.client(), room)).as("last message of the client that joined at %d", joiner.seq())
            .isEqualTo(last)));
    for (Joiner joiner : joiners) {
      assertThat(joiner.client().pushes("gap", room)).as("joined at %d", joiner.seq()).isEmpty();
      assertThat(seqs(joiner.client().pushes("message", room))).as("joined at %d", joiner.seq())
          .containsExactlyElementsOf(range(joiner.seq() + 1, last));
    }
    assertThat(joiners).extracting(Joiner::seq).as("joined while messages were coming").anyMatch(seq -> seq > 0);
    System.out.printf("cluster streams: %d clients joined while another node published %d messages at 500/s;"
        + " each got every message after its subscribed number, in order%n", joins, messages);
  }

  @Test
  @Order(3)
  void unsubscribingBeforeTheClusterAnsweredTheSubscribeGetsItAnsweredUnsubscribed() throws Exception {
    V1Client client = connect(2);
    List<long[]> pairs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      String room = "changed-mind-" + i;
      // Joining a room new to a node waits for Hazelcast; the unsubscribe right behind it comes first.
      long subscribe = client.sendAsync(new JsonObject().put("type", "subscribe").put("room", room));
      long unsubscribe = client.sendAsync(new JsonObject().put("type", "unsubscribe").put("room", room));
      pairs.add(new long[] {subscribe, unsubscribe});
    }

    int unsubscribedFirst = 0;
    for (long[] pair : pairs) {
      JsonObject subscribed = client.replyTo(pair[0], Duration.ofSeconds(20));
      assertThat(client.replyTo(pair[1], Duration.ofSeconds(20)).getString("type")).isEqualTo("unsubscribed");
      if ("unsubscribed".equals(subscribed.getString("code"))) {
        unsubscribedFirst++;
      } else {
        assertThat(subscribed.getString("type")).isEqualTo("subscribed");
      }
    }
    assertThat(unsubscribedFirst).isPositive();
  }

  @Test
  @Order(4)
  void sseWebSocketPollAndHttpClientsOnThreeNodesGetEveryMessageOnceInOrderAndEveryNodeCountsThemAll() throws Exception {
    String room = "every-transport";
    List<Api> apis = Arrays.stream(nodes).map(node -> new Api(node.port())).toList();
    Api onC = apis.get(2);
    try (SseStream sseOnA = SseStream.open(nodes[0].port(), "/sse/" + room)) {
      V1Client v1OnB = connect(1);
      String epoch = v1OnB.subscribe(room).getString("epoch");
      TestSocket plainOnB = clients[1].connect("/ws/" + room);
      await().until(() -> sseOnA.events("subscribed").size() == 1);
      for (Api api : apis) {
        await().until(() -> subscribers(api, room) == 3);
      }
      long start = settleEveryTransport(room, v1OnB, onC, sseOnA, plainOnB);

      Map<Long, String> published = new TreeMap<>();
      List<Long> ids = new ArrayList<>();
      int rounds = 100;
      for (int i = 0; i < rounds; i++) {
        ids.add(v1OnB.sendAsync(publish(room, "v" + i)));
        published.put(onC.publish(room, "\"h" + i + "\"").getLong("seq"), "h" + i);
      }
      for (int i = 0; i < rounds; i++) {
        published.put(v1OnB.replyTo(ids.get(i), Duration.ofSeconds(20)).getLong("seq"), "v" + i);
      }
      long last = start + 2L * rounds;
      assertThat(published.keySet()).containsExactlyElementsOf(range(start + 1, last));

      await().until(() -> lastSeq(v1OnB, room) == last && !sseOnA.messages(room).isEmpty()
          && sseOnA.messages(room).get(sseOnA.messages(room).size() - 1).getLong("seq") == last
          && plainOnB.texts().stream().filter(published::containsValue).count() >= published.size());
      List<JsonObject> overSse = after(start, sseOnA.messages(room));
      List<JsonObject> overV1 = after(start, v1OnB.pushes("message", room));
      assertThat(seqs(overSse)).containsExactlyElementsOf(range(start + 1, last));
      assertThat(overSse).extracting(message -> message.getString("data")).containsExactlyElementsOf(published.values());
      assertThat(seqs(overV1)).containsExactlyElementsOf(range(start + 1, last));
      assertThat(overV1).extracting(message -> message.getString("data")).containsExactlyElementsOf(published.values());
      assertThat(plainOnB.texts().stream().filter(published::containsValue).toList())
          .containsExactlyElementsOf(published.values());
      assertThat(sseOnA.events("gap")).isEmpty();
      assertThat(v1OnB.pushes("gap", room)).isEmpty();

      JsonObject polledOnC = new JsonObject(onC.get("/poll/" + room + "?since=" + epoch + ":" + start).body());
      assertThat(polledOnC.getBoolean("recovered")).isTrue();
      List<JsonObject> overPoll = polledOnC.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
      assertThat(seqs(overPoll)).containsExactlyElementsOf(range(start + 1, last));
      assertThat(overPoll).extracting(message -> message.getString("data")).containsExactlyElementsOf(published.values());
      CompletableFuture<JsonObject> heldOnA = CompletableFuture.supplyAsync(() -> {
        try {
          return new JsonObject(apis.get(0).get("/poll/" + room + "?since=" + epoch + ":" + last).body());
        } catch (Exception failed) {
          throw new CompletionException(failed);
        }
      });
      await().until(() -> Scrape.of(nodes[0].managementPort()).value("chorus_connections{transport=\"poll\"}") == 1);
      long next = v1OnB.replyTo(v1OnB.sendAsync(publish(room, "after-poll")), Duration.ofSeconds(20)).getLong("seq");
      JsonObject answeredOnA = heldOnA.get(20, TimeUnit.SECONDS);
      assertThat(answeredOnA.getLong("seq")).isEqualTo(next).isEqualTo(last + 1);
      assertThat(answeredOnA.getJsonArray("messages").getJsonObject(0).getString("data")).isEqualTo("after-poll");

      for (Api api : apis) {
        await().until(() -> subscribers(api, room) == 3);
      }
      for (int node = 0; node < NODES; node++) {
        JsonObject shown = new JsonObject(apis.get(node).get("/api/rooms/" + room).body());
        assertThat(shown.getInteger("subscribers")).as("subscribers counted on node %d", node).isEqualTo(3);
        assertThat(shown.getLong("seq")).as("position on node %d", node).isEqualTo(last + 1);
        assertThat(shown.getString("epoch")).as("epoch on node %d", node).isEqualTo(epoch);
      }
    }
    for (Api api : apis) {
      await().until(() -> subscribers(api, room) == 2);
    }
  }

  @Test
  @Order(5)
  void presenceListsARoomsConnectionsOfEveryNodeOnAnyNodeAndEveryNodeHearsTheirJoins() throws Exception {
    Set<String> known = new HashSet<>();
    for (int node = 0; node < NODES; node++) {
      watchers[node] = connect(node);
      watchers[node].subscribe(PRESENT);
      String id = watchers[node].welcome().getString("client");
      presentOn.add(new HashSet<>(Set.of(id)));
      known.add(id);
    }
    clients[1].connect("/ws/" + PRESENT);
    List<Api> apis = Arrays.stream(nodes).map(node -> new Api(node.port())).toList();
    for (Api api : apis) {
      await().ignoreExceptions().until(() -> presence(api).getInteger("connections") == NODES + 1);
    }
    JsonObject listed = watchers[2].request(new JsonObject().put("type", "presence").put("room", PRESENT));
    Set<String> ids = ids(listed.getJsonArray("clients"));
    assertThat(ids).hasSize(NODES + 1).containsAll(known);
    String plain = ids.stream().filter(id -> !known.contains(id)).findFirst().orElseThrow();
    presentOn.get(1).add(plain);
    for (Api api : apis) {
      assertThat(ids(presence(api).getJsonArray("clients"))).isEqualTo(ids);
    }
    JsonObject stats = watchers[1].request(new JsonObject().put("type", "presence_stats").put("room", PRESENT));
    assertThat(stats.getInteger("connections")).isEqualTo(NODES + 1);
    assertThat(stats.getInteger("users")).isZero();

    await().until(() -> watchers[0].pushes("join", PRESENT).size() == NODES + 1);
    assertThat(watchers[0].pushes("join", PRESENT)).extracting(join -> join.getString("client"))
        .as("joins heard on node 0, from every node").containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  @Order(6)
  void aNodeThatDoesNotAnswerMakesTheCountUnavailableInsteadOfWrong() throws Exception {
    Api onA = new Api(nodes[0].port());
    String unavailable = "chorus_api_problems_total{problem=\"unavailable\",status=\"503\"}";
    double before = Scrape.of(nodes[0].managementPort()).value(unavailable);
    HttpResponse<String> answer;
    signal(nodes[2], "STOP");
    long asked = System.nanoTime();
    try {
      answer = onA.get("/api/rooms/anyone");
    } finally {
      signal(nodes[2], "CONT");
    }
    long answeredMillis = (System.nanoTime() - asked) / 1_000_000;

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
    assertThat(new JsonObject(answer.body()).getString("type")).isEqualTo("urn:chorus:problem:unavailable");
    assertThat(Scrape.of(nodes[0].managementPort()).value(unavailable)).isEqualTo(before + 1);
    await().until(() -> onA.get("/api/rooms/anyone").statusCode() == 200);
    System.out.printf("cluster census: with node 2 stopped (SIGSTOP), node 0 answered 503 unavailable after %d ms%n",
        answeredMillis);
  }

  @Test
  @Order(7)
  void resumeOnAnotherNodeRecoversWhatWasPublishedElsewhereAndSurvivesTheLossOfThePrimaryCopy() throws Exception {
    String room = "resumable";
    long[] ownedBefore = ownedStreams();
    V1Client away = connect(0);
    JsonObject subscribed = away.subscribe(room);
    String epoch = subscribed.getString("epoch");
    long seq = subscribed.getLong("seq");
    away.close();
    int owner = ownerOfNewStream(ownedBefore);

    V1Client onB = connect(1);
    V1Client onC = connect(2);
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      acked.add(onB.publish(room, "b" + i).getLong("seq"));
      acked.add(onC.publish(room, "c" + i).getLong("seq"));
    }
    assertThat(acked).containsExactlyElementsOf(range(seq + 1, seq + 20));

    V1Client back = connect(2);
    JsonObject resumed = back.resume(room, epoch, seq);
    assertThat(resumed.getBoolean("recovered")).isTrue();
    assertThat(resumed.getString("epoch")).isEqualTo(epoch);
    assertThat(resumed.getLong("seq")).isEqualTo(seq + 20);
    long live = onB.publish(room, "live").getLong("seq");
    await().until(() -> lastSeq(back, room) == live);
    assertThat(seqs(back.pushes("message", room))).containsExactlyElementsOf(range(seq + 1, live));
    assertThat(back.pushes("message", room).get(0).getString("data")).isEqualTo("b0");
    back.close();

    int[] survivors = IntStream.range(0, NODES).filter(node -> node != owner).toArray();
    V1Client publisher = connect(survivors[0]);
    for (int i = 0; i < 10; i++) {
      publisher.publish(room, "before the kill " + i);
    }
    V1Client returning = connect(survivors[1]);
    nodes[owner].kill();
    killed = owner;
    killedNanos = System.nanoTime();
    JsonObject recovered = returning.resume(room, epoch, live);
    long resumeMillis = (System.nanoTime() - killedNanos) / 1_000_000;
    assertThat(recovered.getBoolean("recovered")).as("resume after the primary copy's node was killed: %s", recovered)
        .isTrue();
    await().until(() -> lastSeq(returning, room) == live + 10);
    assertThat(seqs(returning.pushes("message", room))).containsExactlyElementsOf(range(live + 1, live + 10));
    long after = publisher.publish(room, "after the kill").getLong("seq");
    await().until(() -> lastSeq(returning, room) == after);
    System.out.printf("cluster streams: SIGKILL of node %d (the room's primary copy): a resume on node %d recovered"
        + " %d messages from the promoted backup, answered %d ms after the kill%n", owner, survivors[1],
        returning.pushes("message", room).size() - 1, resumeMillis);
  }

  @Test
  @Order(8)
  void presenceForgetsTheConnectionsOfTheKilledNodeAndTheOthersHearThemLeave() throws Exception {
    assertThat(killed).as("the node the test before killed").isNotNegative();
    int[] survivors = IntStream.range(0, NODES).filter(node -> node != killed).toArray();
    Set<String> alive = new HashSet<>();
    Arrays.stream(survivors).forEach(node -> alive.addAll(presentOn.get(node)));
    for (int node : survivors) {
      Api api = new Api(nodes[node].port());
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> ids(presence(api).getJsonArray("clients")).equals(alive));
    }
    long forgottenMillis = (System.nanoTime() - killedNanos) / 1_000_000;
    for (int node : survivors) {
      await().until(() -> watchers[node].pushes("leave", PRESENT).size() == presentOn.get(killed).size());
      assertThat(watchers[node].pushes("leave", PRESENT)).extracting(leave -> leave.getString("client"))
          .as("leaves heard on node %d", node).containsExactlyInAnyOrderElementsOf(presentOn.get(killed));
    }
    System.out.printf("cluster presence: the %d connection(s) of node %d (SIGKILL) were out of the room's presence on"
        + " every survivor, and their leaves pushed, within %d ms of the kill%n", presentOn.get(killed).size(), killed,
        forgottenMillis);
  }

  /**
   * As {@link #settle} for one publisher of each kind and one subscriber of each transport; each round checks the
   * probes of the round before, which have had a poll interval to arrive. Returns the last probe's number.
   */
  private static long settleEveryTransport(String room, V1Client v1, Api http, SseStream sse, TestSocket plain) {
    List<String> previous = new ArrayList<>();
    long[] probed = new long[2];
    AtomicInteger round = new AtomicInteger();
    await().until(() -> {
      List<String> heard = List.copyOf(previous);
      previous.clear();
      String fromV1 = "probe-v1-" + round.get();
      String fromHttp = "probe-http-" + round.getAndIncrement();
      probed[0] = v1.publish(room, fromV1).getLong("seq");
      probed[1] = http.publish(room, "\"" + fromHttp + "\"").getLong("seq");
      previous.addAll(List.of(fromV1, fromHttp));
      return !heard.isEmpty() && sse.messages(room).stream().map(m -> m.getString("data")).toList().containsAll(heard)
          && v1.pushes("message", room).stream().map(m -> m.getString("data")).toList().containsAll(heard)
          && plain.texts().containsAll(heard);
    });
    return Math.max(probed[0], probed[1]);
  }

  private static JsonObject presence(Api api) throws Exception {
    return new JsonObject(api.get("/api/rooms/" + PRESENT + "/presence").body());
  }

  private static Set<String> ids(JsonArray clients) {
    return clients.stream().map(client -> ((JsonObject) client).getString("client")).collect(Collectors.toSet());
  }

  private static int subscribers(Api api, String room) throws Exception {
    return new JsonObject(api.get("/api/rooms/" + room).body()).getInteger("subscribers");
  }

  /** Sends a signal to the node's JVM: STOP freezes it as a starved or swapped-out machine would, CONT thaws it. */
  private static void signal(ServerProcess node, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(node.pid())).inheritIO().start();
    assertThat(kill.waitFor()).as("kill -%s", signal).isZero();
  }

  private static JsonObject publish(String room, String data) {
    return new JsonObject().put("type", "publish").put("room", room).put("data", data);
  }

  private record Joiner(V1Client client, long seq) {
  }

  private static V1Client connect(int node) throws Exception {
    V1Client socket = V1Client.connect(clients[node], "/ws");
    opened.add(socket);
    return socket;
  }

  /** Streams whose primary copy each node holds: the {@code chorus_history_rooms} gauge, clustered. */
  private static long[] ownedStreams() throws Exception {
    long[] owned = new long[NODES];
    for (int node = 0; node < NODES; node++) {
      owned[node] = (long) Scrape.of(nodes[node].managementPort()).value("chorus_history_rooms");
    }
    return owned;
  }

  /** The node whose count of primary copies went up by one since {@code before}. */
  private static int ownerOfNewStream(long[] before) throws Exception {
    return await().until(() -> {
      long[] now = ownedStreams();
      int[] grown = IntStream.range(0, NODES).filter(node -> now[node] == before[node] + 1).toArray();
      return grown.length == 1 && Arrays.stream(now).sum() == Arrays.stream(before).sum() + 1 ? grown[0] : -1;
    }, owner -> owner >= 0);
  }

  /**
   * A subscription made on one node reaches the others' event buses a little after its reply, and the first message
   * from one node to another opens their connection: until then a message may come late, and a room holds the
   * ones after it. Each publisher probes until every subscriber has heard from all of them; returns the last probe's
   * number.
   */
  private static long settle(String room, List<V1Client> publishers, List<V1Client> subscribers) {
    long[] probed = new long[publishers.size()];
    await().until(() -> {
      for (int i = 0; i < publishers.size(); i++) {
        probed[i] = publishers.get(i).publish(room, "probe " + i).getLong("seq");
      }
      return subscribers.stream().allMatch(subscriber -> Arrays.stream(probed).allMatch(probe ->
          subscriber.pushes("message", room).stream().anyMatch(message -> message.getLong("seq") == probe)));
    });
    return Arrays.stream(probed).max().orElseThrow();
  }

  private static List<JsonObject> after(long seq, List<JsonObject> frames) {
    return frames.stream().filter(frame -> frame.getLong("seq") > seq).toList();
  }

  private static long lastSeq(V1Client socket, String room) {
    List<JsonObject> messages = socket.pushes("message", room);
    return messages.isEmpty() ? -1 : messages.get(messages.size() - 1).getLong("seq");
  }

  private static List<Long> seqs(List<JsonObject> messages) {
    return messages.stream().map(message -> message.getLong("seq")).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static ServerProcess startNode(int node) {
    String members = Arrays.stream(clusterPorts).mapToObj(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    try {
      return ServerProcess.start(List.of("-Xmx256m"), "--host", "127.0.0.1", "--port", "0", "--instances", "1",
          "--cluster", "--cluster-name", CLUSTER_NAME, "--cluster-port", Integer.toString(clusterPorts[node]),
          "--cluster-members", members, "--rate-limit", "0", "--history-size", Integer.toString(HISTORY_SIZE),
          "--presence-rooms", PRESENT);
    } catch (Exception e) {
      throw new IllegalStateException("node " + node + " did not start", e);
    }
  }
}
