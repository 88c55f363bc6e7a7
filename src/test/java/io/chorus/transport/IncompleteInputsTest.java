package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.security.InputBudget;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IncompleteInputsTest {

  private static final long DEADLINE = 1_000;

  private final InputBudget budget = new InputBudget(100);
  private long now;
  private final IncompleteInputs inputs = new IncompleteInputs(budget, DEADLINE, () -> now);

  /** A connection's account that records why it was closed. */
  private final class Client {
    final List<CloseReason> closed = new ArrayList<>();
    final IncompleteInput input = inputs.open(closed::add);

    Client holds(int partialFrame, int reassembly) {
      input.partialFrame(partialFrame);
      input.settle(reassembly);
      return this;
    }
  }

  @Test
  void clientsWhoseFramesArriveWholeCostTheBudgetNothing() {
    Client client = new Client();
    client.input.messageCompleted();
    client.holds(0, 0);

    assertThat(budget.held()).isZero();
    assertThat(client.closed).isEmpty();
  }

  @Test
  void partialFramesAndReassemblyAreCountedUntilTheyCompleteOrTheConnectionGoes() {
    Client first = new Client().holds(30, 20);
    Client second = new Client().holds(10, 0);
    assertThat(budget.held()).isEqualTo(60);

    first.input.messageCompleted();
    first.holds(0, 0);
    assertThat(budget.held()).isEqualTo(10);

    second.input.release();
    assertThat(budget.held()).isZero();
  }

  @Test
  void pastTheBudgetTheOldestHoldersAreClosedWith1013UntilTheNodeIsWithinIt() {
    Client oldest = new Client().holds(40, 0);
    now = 1;
    Client older = new Client().holds(40, 0);
    now = 2;
    Client newcomer = new Client().holds(30, 0);

    assertThat(oldest.closed).containsExactly(CloseReason.OVERLOADED);
    assertThat(older.closed).isEmpty();
    assertThat(newcomer.closed).isEmpty();
    assertThat(budget.held()).isEqualTo(70);

    oldest.holds(60, 0);
    assertThat(budget.held()).as("a closed connection is no longer counted").isEqualTo(70);
  }

  @Test
  void aConnectionThatCrossesTheBudgetWithNobodyOlderIsClosedItself() {
    Client greedy = new Client().holds(60, 0);
    greedy.holds(60, 60);

    assertThat(greedy.closed).containsExactly(CloseReason.OVERLOADED);
    assertThat(budget.held()).isZero();
  }

  @Test
  void aCompletedMessageMakesWhatFollowsItYoungSoThatOlderStallersGoFirst() {
    Client streamer = new Client().holds(20, 0);
    now = 1;
    Client staller = new Client().holds(50, 0);
    now = 2;
    streamer.input.messageCompleted();
    streamer.holds(20, 0);
    now = 3;
    new Client().holds(40, 0);

    assertThat(staller.closed).containsExactly(CloseReason.OVERLOADED);
    assertThat(streamer.closed).isEmpty();
  }

  @Test
  void aMessageIncompletePastTheDeadlineIsClosedWith1008WhateverItsConnectionSendsMeanwhile() {
    Client staller = new Client().holds(0, 10);
    now = 500;
    Client streamer = new Client().holds(5, 0);
    now = 900;
    staller.holds(0, 20);
    streamer.input.messageCompleted();
    streamer.holds(5, 0);

    inputs.expire(DEADLINE);
    assertThat(staller.closed).isEmpty();
    inputs.expire(DEADLINE + 1);
    assertThat(staller.closed).containsExactly(CloseReason.INCOMPLETE_MESSAGE);
    assertThat(streamer.closed).isEmpty();
    assertThat(budget.held()).isEqualTo(5);
    inputs.expire(900 + DEADLINE + 1);
    assertThat(streamer.closed).containsExactly(CloseReason.INCOMPLETE_MESSAGE);
    assertThat(budget.held()).isZero();
  }
}
