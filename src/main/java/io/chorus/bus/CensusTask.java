package io.chorus.bus;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.chorus.hub.LocalCensus;

import java.io.IOException;
import java.util.concurrent.Callable;

/**
 * Counts one room's subscribers on the member that runs it, from the {@link LocalCensus} the member keeps in its user
 * context; a member that has not put one there yet (still starting) has none to count.
 */
public final class CensusTask implements Callable<Integer>, HazelcastInstanceAware, IdentifiedDataSerializable {

  private String room;
  private transient HazelcastInstance hazelcast;

  /** For Hazelcast's deserialization. */
  public CensusTask() {
  }

  CensusTask(String room) {
    this.room = room;
  }

  @Override
  public void setHazelcastInstance(HazelcastInstance hazelcast) {
    this.hazelcast = hazelcast;
  }

  @Override
  public Integer call() {
    return hazelcast.getUserContext().get(ClusterCensus.CONTEXT_KEY) instanceof LocalCensus local
        ? local.count(room) : 0;
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.CENSUS;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(room);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    room = in.readString();
  }
}
