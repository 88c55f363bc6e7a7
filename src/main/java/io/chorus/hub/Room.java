package io.chorus.hub;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The members of one room on one hub, in an array for fast fan-out, and the hub's place in the room's stream.
 * Removal swaps the last member into the freed slot; a member that leaves while a broadcast iterates the array is
 * removed right after it.
 *
 * <p>The room delivers its stream in order and without holes: it learns its position once its subscription is
 * ready, then passes on each message numbered one above the last. A message that comes early (published on another
 * node, it overtook one published on a third) waits in {@code ahead}; if the hole is still there after
 * {@link Hub#GAP_WAIT_NANOS}, the room reads the missing numbers from history, and tells its members about what
 * history no longer holds. A cluster tells other nodes about a new subscription a little late, so a young room also
 * compares its position with the stream's a few times, to fetch the messages that went to the nodes it knew of.
 */
final class Room implements Handler<Envelope> {

  /** Messages further ahead than this are not held but fetched from history at once. */
  private static final int MAX_AHEAD = 4096;
  /** When a young room compares its position with its stream's, in milliseconds after it learned it. */
  private static final long[] CHECKS_MILLIS = {250, 1_000, 4_000};

  final String name;
  private final Hub hub;
  private Broker.Subscription subscription;
  private Membership[] members = new Membership[4];
  private int size;
  private boolean broadcasting;
  private Membership[] leftDuringBroadcast = new Membership[0];
  private int leftCount;
  /** Joined before the room knew its position. */
  private final List<Membership> waiting = new ArrayList<>();
  /** Null until the room knows its position. */
  private String epoch;
  private long seq;
  private final TreeMap<Long, Envelope> ahead = new TreeMap<>();
  private boolean gapTimerArmed;
  private boolean filling;
  private boolean closed;

  Room(Hub hub, String name) {
    this.hub = hub;
    this.name = name;
  }

  void subscribe(Broker broker) {
    subscription = broker.subscribe(name, this);
    subscription.ready()
        .compose(ready -> broker.position(name))
        .onComplete(position -> hub.onLoop(() -> positioned(position)));
  }

  @Override
  public void handle(Envelope envelope) {
    if (epoch == null) {
      ahead.put(envelope.seq(), envelope);
      return;
    }
    if (!epoch.equals(envelope.epoch())) {
      restart(envelope.epoch());
    }
    long number = envelope.seq();
    if (number <= seq) {
      return;
    }
    if (number == seq + 1 && ahead.isEmpty()) {
      deliver(envelope);
      return;
    }
    ahead.put(number, envelope);
    deliverInOrder();
    if (!ahead.isEmpty()) {
      if (ahead.size() > MAX_AHEAD) {
        fill(ahead.firstKey() - 1);
      } else {
        armGapTimer();
      }
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  void admit(Membership membership) {
    if (epoch == null) {
      waiting.add(membership);
    } else {
      activate(membership);
    }
  }

  /** Queues the message on every member and lists each that took it for the next flush; returns how many took it. */
  int send(Message message) {
    broadcasting = true;
    int sent = 0;
    try {
      for (int i = 0; i < size; i++) {
        Membership member = members[i];
        if (member.isCatchingUp()) {
          if (!member.hold(message.envelope(), hub.maxBacklog())) {
            member.connection().close(CloseReason.OVERLOADED);
          }
          continue;
        }
        Connection connection = member.connection();
        if (connection.send(message)) {
          hub.written(connection);
          sent++;
        }
      }
      return sent;
    } finally {
      broadcasting = false;
      removeLeftDuringBroadcast();
    }
  }

  void remove(Membership membership) {
    if (membership.index < 0) {
      waiting.remove(membership);
      forgetIfEmpty();
      return;
    }
    if (broadcasting) {
      if (leftCount == leftDuringBroadcast.length) {
        leftDuringBroadcast = Arrays.copyOf(leftDuringBroadcast, Math.max(4, leftCount * 2));
      }
      leftDuringBroadcast[leftCount++] = membership;
      return;
    }
    int index = membership.index;
    Membership last = members[--size];
    members[index] = last;
    last.index = index;
    members[size] = null;
    membership.index = -1;
    forgetIfEmpty();
  }

  /** The subscription is ready and the stream's position read: the room starts delivering from there. */
  private void positioned(AsyncResult<Position> position) {
    if (closed) {
      return;
    }
    if (position.failed()) {
      List<Membership> failed = List.copyOf(waiting);
      waiting.clear();
      close();
      failed.forEach(membership -> membership.fail(position.cause()));
      return;
    }
    epoch = position.result().epoch();
    seq = position.result().seq();
    List<Membership> joining = List.copyOf(waiting);
    waiting.clear();
    joining.forEach(this::activate);
    List<Envelope> early = List.copyOf(ahead.values());
    ahead.clear();
    early.forEach(this::handle);
    for (long delay : CHECKS_MILLIS) {
      hub.schedule(this::checkPosition, delay);
    }
  }

  private void activate(Membership membership) {
    if (membership.hasLeft()) {
      return;
    }
    Position now = new Position(epoch, seq);
    Position since = membership.since();
    if (since == null) {
      add(membership);
      membership.joined(new Joined(now, Joined.Recovery.NOT_ASKED));
    } else if (!hub.keepsHistory() || !since.epoch().equals(epoch) || since.seq() > seq || since.seq() < 0) {
      add(membership);
      membership.joined(new Joined(now, Joined.Recovery.NOT_RECOVERED));
    } else if (since.seq() == seq) {
      add(membership);
      membership.joined(new Joined(now, Joined.Recovery.RECOVERED));
    } else {
      membership.startCatchingUp();
      add(membership);
      hub.broker().history(name, since.seq(), Integer.MAX_VALUE)
          .onComplete(history -> hub.onLoop(() -> recover(membership, now, history)));
    }
  }

  /**
   * History answered a member that came back: the messages it missed go first if history held every one of them,
   * then the live ones that came meanwhile.
   */
  private void recover(Membership membership, Position joinedAt, AsyncResult<History> history) {
    List<Envelope> live = membership.endCatchingUp();
    if (membership.hasLeft()) {
      return;
    }
    long from = membership.since().seq() + 1;
    List<Envelope> missed = new ArrayList<>();
    if (history.succeeded() && history.result().position().epoch().equals(joinedAt.epoch())) {
      for (Envelope envelope : history.result().messages()) {
        if (envelope.seq() == from + missed.size() && envelope.seq() <= joinedAt.seq()) {
          missed.add(envelope);
        }
      }
    }
    boolean complete = missed.size() == joinedAt.seq() - membership.since().seq();
    membership.joined(new Joined(joinedAt, complete ? Joined.Recovery.RECOVERED : Joined.Recovery.NOT_RECOVERED));
    Connection connection = membership.connection();
    if (complete) {
      missed.forEach(envelope -> hub.sendTo(connection, envelope));
    }
    live.forEach(envelope -> hub.sendTo(connection, envelope));
  }

  private void deliver(Envelope envelope) {
    seq = envelope.seq();
    hub.broadcast(this, envelope);
  }

  private void deliverInOrder() {
    while (!ahead.isEmpty() && ahead.firstKey() <= seq + 1) {
      Envelope next = ahead.pollFirstEntry().getValue();
      if (next.seq() == seq + 1) {
        deliver(next);
      }
    }
  }

  /** The stream started a new epoch (its history was lost): members learn the new position, numbering restarts. */
  private void restart(String newEpoch) {
    epoch = newEpoch;
    seq = 0;
    ahead.clear();
    tellSkipped();
  }

  private void armGapTimer() {
    if (gapTimerArmed || filling) {
      return;
    }
    gapTimerArmed = true;
    hub.scheduleNanos(() -> {
      gapTimerArmed = false;
      if (!ahead.isEmpty()) {
        fill(ahead.firstKey() - 1);
      }
    }, Hub.GAP_WAIT_NANOS);
  }

  /** Reads the messages up to {@code target} from history; what it no longer holds is skipped, and members told. */
  private void fill(long target) {
    if (filling || closed) {
      return;
    }
    filling = true;
    String fillingEpoch = epoch;
    hub.broker().history(name, seq, Integer.MAX_VALUE).onComplete(history -> hub.onLoop(() -> {
      filling = false;
      if (closed || !fillingEpoch.equals(epoch)) {
        return;
      }
      if (history.succeeded() && history.result().position().epoch().equals(epoch)) {
        for (Envelope envelope : history.result().messages()) {
          if (envelope.seq() == seq + 1 && envelope.seq() <= target) {
            deliver(envelope);
          }
        }
      }
      if (seq < target) {
        seq = target;
        tellSkipped();
      }
      deliverInOrder();
      if (!ahead.isEmpty()) {
        armGapTimer();
      }
    }));
  }

  /** A young room asks its stream where it is, and fetches what went by before the cluster knew of this node. */
  private void checkPosition() {
    if (closed) {
      return;
    }
    String checkedEpoch = epoch;
    hub.broker().position(name).onComplete(position -> hub.onLoop(() -> {
      if (position.succeeded() && !closed && checkedEpoch.equals(epoch)
          && position.result().epoch().equals(epoch) && position.result().seq() > seq && ahead.isEmpty()) {
        fill(position.result().seq());
      }
    }));
  }

  private void tellSkipped() {
    Position now = new Position(epoch, seq);
    for (int i = 0; i < size; i++) {
      members[i].connection().skipped(name, now);
    }
  }

  private void add(Membership membership) {
    if (size == members.length) {
      members = Arrays.copyOf(members, size * 2);
    }
    membership.index = size;
    members[size++] = membership;
  }

  private void removeLeftDuringBroadcast() {
    while (leftCount > 0) {
      Membership membership = leftDuringBroadcast[--leftCount];
      leftDuringBroadcast[leftCount] = null;
      remove(membership);
    }
  }

  private void forgetIfEmpty() {
    if (size == 0 && waiting.isEmpty()) {
      close();
    }
  }

  private void close() {
    if (!closed) {
      closed = true;
      subscription.cancel();
      hub.forget(this);
    }
  }
}
