package io.chorus.bus;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.Map;

/**
 * Reads a room's stream on the member that owns it: its position and the newest {@code limit} messages numbered
 * above {@code afterSeq} that are younger than the history's time to live. A room without a stream gets one when
 * {@code start} says so (a hub subscribing), with the epoch the processor brings: the owner runs one processor of a
 * key at a time, so two nodes asking at once never start two epochs, and only then does the backup need to hear of
 * it. A read that does not start one (the history command) answers an empty stream with that epoch, and keeps
 * nothing: asking about made-up rooms must not fill the members' memory.
 */
public final class StreamRead implements EntryProcessor<String, StoredStream, StoredStream>, IdentifiedDataSerializable {

  private String newEpoch;
  private long nowNanos;
  private long ttlNanos;
  private long afterSeq;
  private int limit;
  private boolean start;
  /** On the owner, after {@link #process}: whether it started the stream. */
  private transient boolean started;

  /** For Hazelcast's deserialization. */
  public StreamRead() {
  }

  StreamRead(String newEpoch, long nowNanos, long ttlNanos, long afterSeq, int limit, boolean start) {
    this.newEpoch = newEpoch;
    this.nowNanos = nowNanos;
    this.ttlNanos = ttlNanos;
    this.afterSeq = afterSeq;
    this.limit = limit;
    this.start = start;
  }

  @Override
  public StoredStream process(Map.Entry<String, StoredStream> entry) {
    StoredStream stream = entry.getValue();
    if (stream == null) {
      stream = new StoredStream(newEpoch, 0);
      if (start) {
        entry.setValue(stream);
        started = true;
      }
      return stream.head();
    }
    stream.expire(nowNanos, ttlNanos);
    return stream.after(afterSeq, limit);
  }

  /** Hazelcast asks after {@link #process}: a read that found the stream changed nothing to copy. */
  @Override
  public EntryProcessor<String, StoredStream, StoredStream> getBackupProcessor() {
    return started ? this : null;
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.READ;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(newEpoch);
    out.writeLong(nowNanos);
    out.writeLong(ttlNanos);
    out.writeLong(afterSeq);
    out.writeInt(limit);
    out.writeBoolean(start);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    newEpoch = in.readString();
    nowNanos = in.readLong();
    ttlNanos = in.readLong();
    afterSeq = in.readLong();
    limit = in.readInt();
    start = in.readBoolean();
  }
}
