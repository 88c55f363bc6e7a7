package io.chorus.config;

import java.util.List;
import java.util.Set;

/**
 * A set of rooms named by patterns: exact names, and prefixes written with a trailing {@code *} ({@code team-*};
 * {@code *} alone names every room).
 *
 * @param names    rooms named exactly
 * @param prefixes the beginnings of the rooms named by a prefix
 */
public record RoomPatterns(Set<String> names, List<String> prefixes) {

  public boolean matches(String room) {
    if (names.contains(room)) {
      return true;
    }
    for (String prefix : prefixes) {
      if (room.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
