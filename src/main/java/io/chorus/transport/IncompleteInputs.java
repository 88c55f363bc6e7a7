package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.security.InputBudget;

import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One event loop's connections that hold incomplete input, oldest incomplete message first, held to the node's
 * {@link InputBudget} and to a deadline. One per gateway, touched by its event loop only.
 *
 * <p>Past the budget, the connections that have held their incomplete input longest on the loop that crossed it
 * are closed with 1013 until the node is back within it, the one that crossed it included if it is reached: a
 * client holding a message open for seconds is the one tying memory up, while a well-behaved client's partial frame
 * lives for a round trip, at the young end of the list. Reaching it would take an attacker a whole budget of new
 * input within that round trip. A message still incomplete after the deadline closes its connection with 1008, so
 * that no client holds memory forever by keeping its connection alive with pongs. Both look at the list's old end
 * only: a tick costs nothing while no message is overdue.
 */
final class IncompleteInputs {

  private final InputBudget budget;
  private final long deadlineNanos;
  private final LongSupplier clock;
  private IncompleteInput oldest;
  private IncompleteInput youngest;

  /** @param clock the heartbeat's clock: cheap enough for every read */
  IncompleteInputs(InputBudget budget, long deadlineNanos, LongSupplier clock) {
    this.budget = budget;
    this.deadlineNanos = deadlineNanos;
    this.clock = clock;
  }

  /** A new connection's account, holding nothing; {@code close} closes it with a reason and stops its reading. */
  IncompleteInput open(Consumer<CloseReason> close) {
    return new IncompleteInput(this, close);
  }

  /**
   * {@code input} now holds {@code bytes}; {@code restarted}: a message completed, so what it holds began now.
   * Closes connections, oldest first, when the node is over its budget.
   */
  void held(IncompleteInput input, long bytes, boolean restarted) {
    long delta = bytes - input.held;
    input.held = bytes;
    long excess = budget.add(delta);
    boolean listed = input.older != null || oldest == input;
    if (bytes == 0) {
      unlink(input);
    } else if (!listed || restarted) {
      unlink(input);
      input.since = clock.getAsLong();
      append(input);
    }
    if (excess > 0 && delta > 0) {
      shed(excess, input);
    }
  }

  /** The connection is gone. */
  void forget(IncompleteInput input) {
    if (!input.dropped) {
      input.dropped = true;
      budget.add(-input.held);
      input.held = 0;
      unlink(input);
    }
  }

  /** The heartbeat: closes the connections whose oldest incomplete message is older than the deadline. */
  void expire(long now) {
    while (oldest != null && now - oldest.since > deadlineNanos) {
      drop(oldest, CloseReason.INCOMPLETE_MESSAGE);
    }
  }

  private void shed(long excess, IncompleteInput cause) {
    while (excess > 0 && oldest != null) {
      IncompleteInput victim = oldest;
      excess -= victim.held;
      drop(victim, CloseReason.OVERLOADED);
      if (victim == cause) {
        return;
      }
    }
  }

  /**
   * Stops counting the connection and closes it. What it holds is freed once its close frame is written (at once,
   * unless its output is backed up; close-timeout at the latest), and it reads nothing more meanwhile.
   */
  private void drop(IncompleteInput input, CloseReason reason) {
    forget(input);
    input.close.accept(reason);
  }

  private void append(IncompleteInput input) {
    input.older = youngest;
    if (youngest == null) {
      oldest = input;
    } else {
      youngest.younger = input;
    }
    youngest = input;
  }

  private void unlink(IncompleteInput input) {
    if (input.older == null && oldest != input) {
      return;
    }
    if (input.older == null) {
      oldest = input.younger;
    } else {
      input.older.younger = input.younger;
    }
    if (input.younger == null) {
      youngest = input.older;
    } else {
      input.younger.older = input.older;
    }
    input.older = null;
    input.younger = null;
  }
}
