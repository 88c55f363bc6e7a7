package io.chorus.hub;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LocalPresenceTest {

  private final List<PresenceChange> told = new ArrayList<>();
  private final LocalPresence presence = new LocalPresence(room -> room.startsWith("loud"));

  LocalPresenceTest() {
    presence.listen(told::add);
  }

  @Test
  void aRoomListsItsFirstThousandConnectionsAndCountsTheRest() {
    for (int i = 0; i < Presence.MAX_LISTED + 5; i++) {
      presence.joined("big", present(i));
    }

    Attendance full = attendance("big");
    assertThat(full.listed()).hasSize(Presence.MAX_LISTED);
    assertThat(full.listed().get(0).client()).isEqualTo("c0");
    assertThat(full.connections()).isEqualTo(Presence.MAX_LISTED + 5);
    assertThat(full.truncated()).isTrue();

    presence.left("big", present(0));
    presence.left("big", present(Presence.MAX_LISTED + 1));
    Attendance after = attendance("big");
    assertThat(after.listed()).hasSize(Presence.MAX_LISTED - 1);
    assertThat(after.connections()).isEqualTo(Presence.MAX_LISTED + 3);
    presence.joined("big", present(-1));
    assertThat(attendance("big").listed()).extracting(Present::client).contains("c-1");
  }

  @Test
  void aRoomEveryoneLeftHasNoPresenceLeft() {
    presence.joined("brief", present(1));
    presence.joined("brief", new Present("c2", "alice", null));
    presence.joined("brief", new Present("c3", "alice", null));
    assertThat(attendance("brief").users()).isEqualTo(1);

    presence.left("brief", present(1));
    presence.left("brief", new Present("c2", "alice", null));
    presence.left("brief", new Present("c3", "alice", null));

    assertThat(attendance("brief")).isSameAs(Attendance.NOBODY);
  }

  @Test
  void onlyAnnouncingRoomsTellTheirJoinsAndLeaves() {
    presence.joined("quiet", present(1));
    presence.joined("loud-room", present(2));
    presence.left("loud-room", present(2));

    assertThat(told).containsExactly(new PresenceChange(true, "loud-room", present(2)),
        new PresenceChange(false, "loud-room", present(2)));
  }

  private Attendance attendance(String room) {
    return presence.attendance(room).result();
  }

  private static Present present(int i) {
    return new Present("c" + i, null, null);
  }
}
