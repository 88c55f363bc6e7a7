package io.chorus.bus;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.chorus.hub.Attendance;
import io.chorus.hub.Present;
import io.chorus.hub.Presence;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;

/**
 * One room's presence in a cluster, the value of its entry in {@value ClusterPresence#MAP}: the connections listed,
 * each with the member it is connected to, and per member the count of those beyond the cap, so that a departed
 * member's connections can all be taken out. Changed only by {@link PresenceEdit} on the member that owns the room.
 */
public final class PresenceRoll implements IdentifiedDataSerializable {

  private record Listed(Present present, String member) {
  }

  private final List<Listed> listed = new ArrayList<>();
  private final Map<String, Integer> unlisted = new HashMap<>();

  /** For Hazelcast's deserialization. */
  public PresenceRoll() {
  }

  /**
   * Lists the connection, or, when it is listed already (a node listing its connections again after it merged back
   * into the cluster), records the member it is connected to now. A scan of at most {@link Presence#MAX_LISTED}
   * entries, on the room's owner, as a leave is.
   */
  void join(Present present, String member) {
    for (ListIterator<Listed> each = listed.listIterator(); each.hasNext(); ) {
      if (each.next().present().client().equals(present.client())) {
        each.set(new Listed(present, member));
        return;
      }
    }
    if (listed.size() < Presence.MAX_LISTED) {
      listed.add(new Listed(present, member));
    } else {
      unlisted.merge(member, 1, Integer::sum);
    }
  }

  void leave(String client, String member) {
    for (Iterator<Listed> each = listed.iterator(); each.hasNext(); ) {
      if (each.next().present().client().equals(client)) {
        each.remove();
        return;
      }
    }
    unlisted.computeIfPresent(member, (who, count) -> count > 1 ? count - 1 : null);
  }

  /** Takes out every connection of {@code member}; returns the listed ones, or null when none was listed. */
  PresenceRoll forget(String member) {
    PresenceRoll forgotten = new PresenceRoll();
    for (Iterator<Listed> each = listed.iterator(); each.hasNext(); ) {
      Listed one = each.next();
      if (one.member().equals(member)) {
        forgotten.listed.add(one);
        each.remove();
      }
    }
    unlisted.remove(member);
    return forgotten.listed.isEmpty() ? null : forgotten;
  }

  boolean isEmpty() {
    return listed.isEmpty() && unlisted.isEmpty();
  }

  List<Present> presents() {
    return listed.stream().map(Listed::present).toList();
  }

  Attendance attendance() {
    int beyond = unlisted.values().stream().mapToInt(Integer::intValue).sum();
    return new Attendance(presents(), listed.size() + beyond);
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.PRESENCE_ROLL;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(listed.size());
    for (Listed one : listed) {
      writePresent(out, one.present());
      out.writeString(one.member());
    }
    out.writeInt(unlisted.size());
    for (Map.Entry<String, Integer> count : unlisted.entrySet()) {
      out.writeString(count.getKey());
      out.writeInt(count.getValue());
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    for (int i = in.readInt(); i > 0; i--) {
      listed.add(new Listed(readPresent(in), in.readString()));
    }
    for (int i = in.readInt(); i > 0; i--) {
      unlisted.put(in.readString(), in.readInt());
    }
  }

  static void writePresent(ObjectDataOutput out, Present present) throws IOException {
    out.writeString(present.client());
    out.writeString(present.user());
    out.writeString(present.info() == null ? null : present.info().encode());
  }

  static Present readPresent(ObjectDataInput in) throws IOException {
    String client = in.readString();
    String user = in.readString();
    String info = in.readString();
    return new Present(client, user, info == null ? null : new JsonObject(info));
  }
}
