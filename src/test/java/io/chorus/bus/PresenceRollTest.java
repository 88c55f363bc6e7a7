package io.chorus.bus;

import io.chorus.hub.Present;
import io.chorus.hub.Presence;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PresenceRollTest {

  @Test
  void forgettingADepartedMemberTakesOutItsListedAndCountedConnectionsAndAnswersTheListedOnes() {
    PresenceRoll roll = new PresenceRoll();
    for (int i = 0; i < Presence.MAX_LISTED; i++) {
      roll.join(new Present("a" + i, null, null), i % 2 == 0 ? "member-a" : "member-b");
    }
    roll.join(new Present("late-a", null, null), "member-a");
    roll.join(new Present("late-b", null, null), "member-b");
    assertThat(roll.attendance().connections()).isEqualTo(Presence.MAX_LISTED + 2);
    assertThat(roll.attendance().truncated()).isTrue();

    PresenceRoll forgotten = roll.forget("member-a");

    assertThat(forgotten.presents()).hasSize(Presence.MAX_LISTED / 2)
        .allSatisfy(present -> assertThat(Integer.parseInt(present.client().substring(1)) % 2).isZero());
    assertThat(roll.attendance().listed()).hasSize(Presence.MAX_LISTED / 2);
    assertThat(roll.attendance().connections()).isEqualTo(Presence.MAX_LISTED / 2 + 1);
    assertThat(roll.forget("member-a")).isNull();
  }

  @Test
  void aLeaveTakesOutTheListedConnectionOrOneCountedOfItsMember() {
    PresenceRoll roll = new PresenceRoll();
    roll.join(new Present("one", "alice", null), "member-a");
    roll.leave("one", "member-a");
    assertThat(roll.isEmpty()).isTrue();

    for (int i = 0; i <= Presence.MAX_LISTED; i++) {
      roll.join(new Present("c" + i, null, null), "member-a");
    }
    roll.leave("c" + Presence.MAX_LISTED, "member-a");
    assertThat(roll.attendance().truncated()).isFalse();
    assertThat(roll.attendance().connections()).isEqualTo(Presence.MAX_LISTED);
  }

  @Test
  void aConnectionListedAgainAfterAMergeIsListedOnceUnderItsNewMember() {
    PresenceRoll roll = new PresenceRoll();
    roll.join(new Present("one", "alice", null), "member-c");
    roll.join(new Present("two", "bob", null), "member-a");

    roll.join(new Present("one", "alice", null), "member-c-merged");

    assertThat(roll.attendance().connections()).isEqualTo(2);
    assertThat(roll.forget("member-c")).isNull();
    assertThat(roll.forget("member-c-merged").presents()).extracting(Present::client).containsExactly("one");
  }
}
