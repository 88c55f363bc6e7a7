package io.chorus.hub;

import io.vertx.core.Handler;

import java.util.Arrays;

/**
 * The members of one room on one hub, in an array for fast fan-out. Removal swaps the last member into the freed
 * slot; a member that leaves while a broadcast iterates the array is removed right after it.
 */
final class Room implements Handler<Envelope> {

  final String name;
  private final Hub hub;
  private Broker.Subscription subscription;
  private Membership[] members = new Membership[4];
  private int size;
  private int joining;
  private boolean broadcasting;
  private Membership[] leftDuringBroadcast = new Membership[0];
  private int leftCount;

  Room(Hub hub, String name) {
    this.hub = hub;
    this.name = name;
  }

  void subscribe(Broker broker) {
    subscription = broker.subscribe(name, this);
  }

  @Override
  public void handle(Envelope envelope) {
    hub.broadcast(this, envelope);
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  void admit(Membership membership) {
    joining++;
    subscription.ready().onComplete(ready -> {
      joining--;
      if (membership.hasLeft()) {
        forgetIfEmpty();
      } else if (ready.succeeded()) {
        add(membership);
        membership.activate();
      } else {
        membership.fail(ready.cause());
        forgetIfEmpty();
      }
    });
  }

  /** Queues the message on every member and lists each that took it for the next flush; returns how many took it. */
  int send(Message message) {
    broadcasting = true;
    int sent = 0;
    try {
      for (int i = 0; i < size; i++) {
        Connection connection = members[i].connection();
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
    if (size == 0 && joining == 0) {
      subscription.cancel();
      hub.forget(this);
    }
  }
}
