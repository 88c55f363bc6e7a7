package io.chorus.bus;

import io.chorus.hub.Envelope;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Numbers a batch of one room's messages and keeps them, on the member that owns the room's stream, in one atomic
 * step; answers the stream's epoch and the number of the batch's last message. Hazelcast runs the same processor on
 * the backup copy, so it decides nothing there that the primary could decide differently: the epoch of a stream it
 * starts and the time it expires messages at both travel with it.
 */
public final class StreamAppend implements EntryProcessor<String, StoredStream, StoredStream>, IdentifiedDataSerializable {

  private static final Envelope.Kind[] KINDS = Envelope.Kind.values();

  private String newEpoch;
  private long nowNanos;
  private int historySize;
  private long ttlNanos;
  private Envelope.Kind[] kinds;
  private long[] ingressNanos;
  private byte[][] payloads;

  /** For Hazelcast's deserialization. */
  public StreamAppend() {
  }

  StreamAppend(String newEpoch, long nowNanos, int historySize, long ttlNanos, List<Envelope> batch) {
    this.newEpoch = newEpoch;
    this.nowNanos = nowNanos;
    this.historySize = historySize;
    this.ttlNanos = ttlNanos;
    kinds = new Envelope.Kind[batch.size()];
    ingressNanos = new long[batch.size()];
    payloads = new byte[batch.size()][];
    for (int i = 0; i < batch.size(); i++) {
      kinds[i] = batch.get(i).kind();
      ingressNanos[i] = batch.get(i).ingressNanos();
      payloads[i] = batch.get(i).payload();
    }
  }

  @Override
  public StoredStream process(Map.Entry<String, StoredStream> entry) {
    StoredStream stream = entry.getValue() == null ? new StoredStream(newEpoch, 0) : entry.getValue();
    stream.expire(nowNanos, ttlNanos);
    for (int i = 0; i < payloads.length; i++) {
      stream.append(kinds[i], ingressNanos[i], payloads[i], historySize);
    }
    entry.setValue(stream);
    return stream.head();
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.APPEND;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(newEpoch);
    out.writeLong(nowNanos);
    out.writeInt(historySize);
    out.writeLong(ttlNanos);
    out.writeInt(payloads.length);
    for (int i = 0; i < payloads.length; i++) {
      out.writeByte(kinds[i].ordinal());
      out.writeLong(ingressNanos[i]);
      out.writeByteArray(payloads[i]);
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    newEpoch = in.readString();
    nowNanos = in.readLong();
    historySize = in.readInt();
    ttlNanos = in.readLong();
    int count = in.readInt();
    kinds = new Envelope.Kind[count];
    ingressNanos = new long[count];
    payloads = new byte[count][];
    for (int i = 0; i < count; i++) {
      kinds[i] = KINDS[in.readByte()];
      ingressNanos[i] = in.readLong();
      payloads[i] = in.readByteArray();
    }
  }
}
