package io.chorus.transport;

import io.chorus.hub.Position;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SseEventIdTest {

  @Test
  void aPathStreamsIdIsItsRoomsPositionAndReadsBack() {
    Map<String, Position> positions = new LinkedHashMap<>();
    positions.put("news", new Position("e8f1", 41));

    String id = SseEventId.format(positions, true);

    assertThat(id).isEqualTo("e8f1:41");
    assertThat(SseEventId.parse(id, List.of("news"), true)).containsEntry("news", new Position("e8f1", 41));
  }

  @Test
  void aQueryStreamsIdNamesEveryPositionedRoomInOrderAndReadsBack() {
    Map<String, Position> positions = new LinkedHashMap<>();
    positions.put("a", new Position("e1", 5));
    positions.put("b", null);
    positions.put("c", new Position("e3", 0));

    String id = SseEventId.format(positions, false);

    assertThat(id).isEqualTo("a=e1:5,c=e3:0");
    Map<String, Position> read = SseEventId.parse(id, List.of("a", "b", "c"), false);
    assertThat(read).containsEntry("a", new Position("e1", 5)).containsEntry("c", new Position("e3", 0));
    assertThat(read.get("b")).isNull();
  }

  @Test
  void roomsTheIdDoesNotNameStartFreshAndRoomsTheStreamDoesNotHaveAreIgnored() {
    Map<String, Position> read = SseEventId.parse("gone=e:1,kept=e:2", List.of("kept", "new"), false);

    assertThat(read.keySet()).containsExactly("kept", "new");
    assertThat(read.get("kept")).isEqualTo(new Position("e", 2));
    assertThat(read.get("new")).isNull();
  }

  @Test
  void malformedIdsAreRefused() {
    for (String bad : List.of("e", ":5", "e:", "e:-1", "e:x", "e:99999999999999999999")) {
      assertThatThrownBy(() -> SseEventId.parse(bad, List.of("a"), true)).as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> SseEventId.parse("e:1", List.of("a"), false)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SseEventId.parse("=e:1", List.of("a"), false)).isInstanceOf(IllegalArgumentException.class);
  }
}
