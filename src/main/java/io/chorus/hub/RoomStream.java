package io.chorus.hub;

import java.util.List;
import java.util.TreeMap;

/**
 * One hub's place in one room's stream: it passes the room's messages on in number order and without holes. It
 * learns its position once the room's subscription is ready, then passes on each message numbered one above the
 * last. A message that comes early (published on another node, it overtook one published on a third) waits in
 * {@code ahead}; if the hole is still there after {@link Hub#GAP_WAIT_NANOS}, the stream reads the missing numbers
 * from history and has the room tell its members about what history no longer holds. A cluster tells other nodes
 * about a new subscription a little late, so a young stream also compares its position with the broker's a few
 * times, to fetch the messages that went only to the nodes the publisher knew of.
 */
final class RoomStream {

  /** Messages further ahead than this are not held but fetched from history at once. */
  private static final int MAX_AHEAD = 4096;
  /** When a young stream compares its position with the broker's, in milliseconds after it learned it. */
  private static final long[] CHECKS_MILLIS = {250, 1_000, 4_000};

  private final Room room;
  private final Hub hub;
  /** Null until the stream knows its position. */
  private String epoch;
  private long seq;
  private final TreeMap<Long, Envelope> ahead = new TreeMap<>();
  private boolean gapTimerArmed;
  private boolean filling;
  private boolean closed;

  RoomStream(Room room, Hub hub) {
    this.room = room;
    this.hub = hub;
  }

  boolean isPositioned() {
    return epoch != null;
  }

  /** The last message passed on; only once positioned. */
  Position position() {
    return new Position(epoch, seq);
  }

  /** The broker said where the stream is: messages that came before are passed on from there, if newer. */
  void positioned(Position position) {
    epoch = position.epoch();
    seq = position.seq();
    List<Envelope> early = List.copyOf(ahead.values());
    ahead.clear();
    early.forEach(this::accept);
    for (long delay : CHECKS_MILLIS) {
      hub.schedule(this::checkPosition, delay);
    }
  }

  /** A message of the room from the bus, in whatever order the bus brought it. */
  void accept(Envelope envelope) {
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
      seq = number;
      room.deliver(envelope);
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

  /** The room is gone: timers and reads in flight come to nothing. */
  void close() {
    closed = true;
  }

  private void deliverInOrder() {
    while (!ahead.isEmpty() && ahead.firstKey() <= seq + 1) {
      Envelope next = ahead.pollFirstEntry().getValue();
      if (next.seq() == seq + 1) {
        seq = next.seq();
        room.deliver(next);
      }
    }
  }

  /** The stream started a new epoch (its history was lost): members learn the new position, numbering restarts. */
  private void restart(String newEpoch) {
    epoch = newEpoch;
    seq = 0;
    ahead.clear();
    room.tellSkipped(new Position(epoch, seq));
  }

  private void armGapTimer() {
    if (gapTimerArmed || filling) {
      return;
    }
    gapTimerArmed = true;
    long armedAt = seq;
    hub.scheduleNanos(() -> {
      gapTimerArmed = false;
      if (closed || ahead.isEmpty()) {
        return;
      }
      // Under a steady flow from several nodes there is nearly always some hole, each closing within a millisecond:
      // only the hole the timer was armed for has waited its full time; a younger one gets a wait of its own.
      if (seq == armedAt) {
        fill(ahead.firstKey() - 1);
      } else {
        armGapTimer();
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
    hub.broker().history(room.name, seq, Integer.MAX_VALUE).onComplete(history -> hub.onLoop(() -> {
      filling = false;
      if (closed || !fillingEpoch.equals(epoch)) {
        return;
      }
      if (history.succeeded() && history.result().position().epoch().equals(epoch)) {
        for (Envelope envelope : history.result().messages()) {
          if (envelope.seq() == seq + 1 && envelope.seq() <= target) {
            seq = envelope.seq();
            room.deliver(envelope);
          }
        }
      }
      if (seq < target) {
        seq = target;
        room.tellSkipped(new Position(epoch, seq));
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
    hub.broker().position(room.name).onComplete(position -> hub.onLoop(() -> {
      if (position.succeeded() && !closed && checkedEpoch.equals(epoch)
          && position.result().epoch().equals(epoch) && position.result().seq() > seq) {
        awaitPosition(position.result().seq());
      }
    }));
  }

  /**
   * The broker is ahead of this stream, but its latest messages may still be on their way (under a burst, hundreds
   * numbered and not yet received, more than history holds): history is read only for what has not come after
   * {@link Hub#GAP_WAIT_NANOS}, as for a hole.
   */
  private void awaitPosition(long brokerSeq) {
    String awaitedEpoch = epoch;
    hub.scheduleNanos(() -> {
      if (!closed && awaitedEpoch.equals(epoch) && seq < brokerSeq && ahead.isEmpty()) {
        fill(brokerSeq);
      }
    }, Hub.GAP_WAIT_NANOS);
  }
}
