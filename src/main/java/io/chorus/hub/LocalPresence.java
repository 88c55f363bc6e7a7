package io.chorus.hub;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Presence on one node alone: per room, the connections listed and the count of those beyond the cap, changed
 * atomically per room by any event loop. A room's entry exists only while it has someone in it.
 */
public final class LocalPresence implements Presence {

  /** One room's connections: those listed, in the order they joined, and how many more are only counted. */
  private static final class Roll {
    final Map<String, Present> listed = new LinkedHashMap<>();
    int unlisted;
  }

  private final Predicate<String> announces;
  private final Map<String, Roll> rooms = new ConcurrentHashMap<>();
  private final List<Consumer<PresenceChange>> listeners = new CopyOnWriteArrayList<>();

  /** @param announces whether a room's joins and leaves are announced */
  public LocalPresence(Predicate<String> announces) {
    this.announces = announces;
  }

  @Override
  public void joined(String room, Present present) {
    rooms.compute(room, (name, roll) -> {
      Roll joined = roll == null ? new Roll() : roll;
      if (joined.listed.size() < MAX_LISTED) {
        joined.listed.put(present.client(), present);
      } else {
        joined.unlisted++;
      }
      return joined;
    });
    announce(new PresenceChange(true, room, present));
  }

  @Override
  public void left(String room, Present present) {
    rooms.computeIfPresent(room, (name, roll) -> {
      if (roll.listed.remove(present.client()) == null && roll.unlisted > 0) {
        roll.unlisted--;
      }
      return roll.listed.isEmpty() && roll.unlisted == 0 ? null : roll;
    });
    announce(new PresenceChange(false, room, present));
  }

  @Override
  public Future<Attendance> attendance(String room) {
    Attendance[] read = {Attendance.NOBODY};
    rooms.computeIfPresent(room, (name, roll) -> {
      read[0] = new Attendance(new ArrayList<>(roll.listed.values()), roll.listed.size() + roll.unlisted);
      return roll;
    });
    return Future.succeededFuture(read[0]);
  }

  @Override
  public void listen(Consumer<PresenceChange> listener) {
    listeners.add(listener);
  }

  private void announce(PresenceChange change) {
    if (announces.test(change.room())) {
      listeners.forEach(listener -> listener.accept(change));
    }
  }
}
