package io.chorus.bus;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;

/**
 * When two halves of a split cluster meet again, a room both halves kept may have been numbered on both sides: the
 * same numbers of one epoch for different messages. Such a stream starts a new epoch, without history, so that no
 * client resumes into messages it never saw; hubs and clients then see the new epoch as a gap. A stream both halves
 * left as it was at the split (same epoch, same number) stays, as does one only the smaller half kept.
 */
public final class StreamMerge
    implements SplitBrainMergePolicy<StoredStream, MergingValue<StoredStream>, Object>, IdentifiedDataSerializable {

  @Override
  public Object merge(MergingValue<StoredStream> merging, MergingValue<StoredStream> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging.getValue().position().equals(existing.getValue().position())) {
      return existing.getRawValue();
    }
    return new StoredStream(Epochs.next(), 0);
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.MERGE;
  }

  @Override
  public void writeData(ObjectDataOutput out) {
  }

  @Override
  public void readData(ObjectDataInput in) {
  }
}
