package io.chorus.hub;

import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The members of one room on one hub, in an array for fast fan-out, and the hub's {@link RoomStream} in that room.
 * Removal swaps the last member into the freed slot; a member that leaves while a broadcast iterates the array is
 * removed right after it. A member joins once the stream knows its position; one that comes back with a position
 * of its own gets the messages it missed, read from history, before live ones, which wait meanwhile.
 */
final class Room implements Handler<Envelope> {

  final String name;
  private final Hub hub;
  private Broker.Subscription subscription;
  private Membership[] members = new Membership[4];
  private int size;
  /** {@link #size} as a census on another thread may read it; the broadcast loop reads the plain field. */
  private volatile int subscribers;
  private boolean broadcasting;
  private Membership[] leftDuringBroadcast = new Membership[0];
  private int leftCount;
  /** Joined before the room knew its position. */
  private final List<Membership> waiting = new ArrayList<>();
  private final RoomStream stream;
  private boolean closed;

  Room(Hub hub, String name) {
    this.hub = hub;
    this.name = name;
    this.stream = new RoomStream(this, hub);
  }

  void subscribe(Broker broker) {
    subscription = broker.subscribe(name, this);
    subscription.ready()
        .compose(ready -> broker.position(name))
        .onComplete(position -> hub.onLoop(() -> positioned(position)));
  }

  @Override
  public void handle(Envelope envelope) {
    stream.accept(envelope);
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The members that joined, as last written by the room's event loop; any thread. */
  int subscribers() {
    return subscribers;
  }

  void admit(Membership membership) {
    if (!stream.isPositioned()) {
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

  /** Hands every member's connection to {@code action}; those that leave meanwhile are removed after it. */
  void forEach(Consumer<Connection> action) {
    broadcasting = true;
    try {
      for (int i = 0; i < size; i++) {
        action.accept(members[i].connection());
      }
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
    subscribers = size;
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
    List<Membership> joining = List.copyOf(waiting);
    waiting.clear();
    stream.positioned(position.result());
    joining.forEach(this::activate);
  }

  private void activate(Membership membership) {
    if (membership.hasLeft()) {
      return;
    }
    Position now = stream.position();
    Position since = membership.since();
    if (since != null && since.seq() == 0) {
      // Nothing received yet, from whatever epoch the client saw (a history read before the room's first message
      // starts no stream and names an epoch of its own): everything the stream holds is what it missed.
      since = new Position(now.epoch(), 0);
    }
    if (since == null) {
      add(membership);
      membership.joined(new Joined(now, Joined.Recovery.NOT_ASKED));
    } else if (!hub.keepsHistory() || !since.epoch().equals(now.epoch()) || since.seq() > now.seq()) {
      add(membership);
      membership.joined(new Joined(now, Joined.Recovery.NOT_RECOVERED));
    } else if (since.seq() == now.seq()) {
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
    if (membership.hasLeft()) {
      return;
    }
    long from = membership.since().seq() + 1;
    ArrayDeque<Envelope> missed = new ArrayDeque<>();
    if (history.succeeded() && history.result().position().epoch().equals(joinedAt.epoch())) {
      for (Envelope envelope : history.result().messages()) {
        if (envelope.seq() == from + missed.size() && envelope.seq() <= joinedAt.seq()) {
          missed.add(envelope);
        }
      }
    }
    boolean complete = missed.size() == joinedAt.seq() - membership.since().seq();
    membership.joined(new Joined(joinedAt, complete ? Joined.Recovery.RECOVERED : Joined.Recovery.NOT_RECOVERED));
    if (!complete) {
      missed.clear();
    }
    replay(membership, missed);
  }

  /**
   * Sends a member that came back what it missed, then what came live meanwhile, as fast as it reads: a pause
   * whenever its output is at its bound, so that catching up never makes an honest client a slow consumer. Live
   * messages keep being held for it until it has caught up.
   */
  private void replay(Membership membership, ArrayDeque<Envelope> queue) {
    Connection connection = membership.connection();
    while (!membership.hasLeft()) {
      if (queue.isEmpty()) {
        List<Envelope> live = membership.takeBacklog();
        if (live.isEmpty()) {
          membership.endCatchingUp();
          return;
        }
        queue.addAll(live);
      }
      if (!connection.writable()) {
        connection.whenWritable(() -> replay(membership, queue));
        return;
      }
      hub.sendTo(connection, queue.poll());
    }
  }

  /** The next message of the room's stream, for every member. */
  void deliver(Envelope envelope) {
    hub.broadcast(this, envelope);
  }

  /** The room's stream moved to {@code now} past messages its members will never get. */
  void tellSkipped(Position now) {
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
    subscribers = size;
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
      stream.close();
      subscription.cancel();
      hub.forget(this);
    }
  }
}
