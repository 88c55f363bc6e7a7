package io.chorus.bus;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * Creates Chorus's Hazelcast types (the streams', the census's and presence's) by number when their bytes arrive: no class names on the wire and no Java
 * serialization. Every member must know the same numbers; change a type's format under a new number.
 */
final class StreamSerialization implements DataSerializableFactory {

  /** "Cho": unlikely to meet another factory in the same cluster. */
  static final int FACTORY_ID = 0x43686F;
  static final int STORED_STREAM = 1;
  static final int APPEND = 2;
  static final int READ = 3;
  static final int MERGE = 4;
  static final int CENSUS = 5;
  static final int PRESENCE_ROLL = 6;
  static final int PRESENCE_EDIT = 7;

  @Override
  public IdentifiedDataSerializable create(int classId) {
    return switch (classId) {
      case STORED_STREAM -> new StoredStream();
      case APPEND -> new StreamAppend();
      case READ -> new StreamRead();
      case MERGE -> new StreamMerge();
      case CENSUS -> new CensusTask();
      case PRESENCE_ROLL -> new PresenceRoll();
      case PRESENCE_EDIT -> new PresenceEdit();
      default -> null;
    };
  }
}
