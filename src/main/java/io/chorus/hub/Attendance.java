package io.chorus.hub;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Who is in a room: the connections its presence lists (at most {@link Presence#MAX_LISTED}, the first to join) and
 * how many there are in all, on every node.
 */
public record Attendance(List<Present> listed, int connections) {

  public static final Attendance NOBODY = new Attendance(List.of(), 0);

  /** Whether some connections are counted but not listed: the room is over the cap. */
  public boolean truncated() {
    return connections > listed.size();
  }

  /** Distinct users among the listed connections; anonymous connections are no user. */
  public int users() {
    Set<String> users = new HashSet<>();
    for (Present present : listed) {
      if (present.user() != null) {
        users.add(present.user());
      }
    }
    return users.size();
  }
}
