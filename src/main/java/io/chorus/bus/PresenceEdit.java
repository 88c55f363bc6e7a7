package io.chorus.bus;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.chorus.hub.Present;

import java.io.IOException;
import java.util.Map;

/**
 * One change to a room's {@link PresenceRoll}, run on the member that owns the room (and on its backup): a
 * connection joins or leaves, or a departed member's connections are forgotten (then it answers the listed ones, for
 * their leave announcements). A room whose roll becomes empty loses its entry.
 */
public final class PresenceEdit implements EntryProcessor<String, PresenceRoll, PresenceRoll>, IdentifiedDataSerializable {

  private static final byte JOIN = 1;
  private static final byte LEAVE = 2;
  private static final byte FORGET = 3;

  private byte kind;
  private Present present;
  private String member;

  /** For Hazelcast's deserialization. */
  public PresenceEdit() {
  }

  private PresenceEdit(byte kind, Present present, String member) {
    this.kind = kind;
    this.present = present;
    this.member = member;
  }

  static PresenceEdit join(Present present, String member) {
    return new PresenceEdit(JOIN, present, member);
  }

  static PresenceEdit leave(Present present, String member) {
    return new PresenceEdit(LEAVE, present, member);
  }

  static PresenceEdit forget(String member) {
    return new PresenceEdit(FORGET, null, member);
  }

  @Override
  public PresenceRoll process(Map.Entry<String, PresenceRoll> entry) {
    PresenceRoll roll = entry.getValue();
    if (roll == null && kind != JOIN) {
      return null;
    }
    PresenceRoll answer = null;
    switch (kind) {
      case JOIN -> {
        roll = roll == null ? new PresenceRoll() : roll;
        roll.join(present, member);
      }
      case LEAVE -> roll.leave(present.client(), member);
      default -> answer = roll.forget(member);
    }
    // In OBJECT format the roll was changed in place, but only setValue stores it (and tells the backup).
    entry.setValue(roll.isEmpty() ? null : roll);
    return answer;
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.PRESENCE_EDIT;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByte(kind);
    out.writeString(member);
    out.writeBoolean(present != null);
    if (present != null) {
      PresenceRoll.writePresent(out, present);
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    kind = in.readByte();
    member = in.readString();
    present = in.readBoolean() ? PresenceRoll.readPresent(in) : null;
  }
}
