package io.chorus.bus;

import io.chorus.hub.Envelope;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Map;

/**
 * Numbers a batch of one room's messages and keeps them, on the member that owns the room's stream, in one atomic
 * step; answers the stream's epoch and the number of the batch's last message. A batch the stream numbered already
 * (Hazelcast sends a call again to the new owner when the old one dies) gets the same answer and changes nothing. Hazelcast runs the same processor on
 * the backup copy, so it decides nothing there that the primary could decide differently: the epoch of a stream it
 * starts and the time it expires messages at both travel with it.
 */
public final class StreamAppend implements EntryProcessor<String, StoredStream, StoredStream>, IdentifiedDataSerializable {

  private static final Envelope.Kind[] KINDS = Envelope.Kind.values();

  private String sender;
  private long batch;
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

  /**
   * @param sender the node that sends it, as the streams it published to know it
   * @param batch  this batch's id, unique among the sender's batches
   */
  StreamAppend(String sender, long batch, String newEpoch, long nowNanos, int historySize, long ttlNanos,
      List<Envelope> messages) {
    this.sender = sender;
    this.batch = batch;
    this.newEpoch = newEpoch;
    this.nowNanos = nowNanos;
    this.historySize = historySize;
    this.ttlNanos = ttlNanos;
    kinds = new Envelope.Kind[messages.size()];
    ingressNanos = new long[messages.size()];
    payloads = new byte[messages.size()][];
    for (int i = 0; i < messages.size(); i++) {
      kinds[i] = messages.get(i).kind();
      ingressNanos[i] = messages.get(i).ingressNanos();
      payloads[i] = messages.get(i).payload();
    }
  }

  @Override
  public StoredStream process(Map.Entry<String, StoredStream> entry) {
    StoredStream stream = entry.getValue() == null ? new StoredStream(newEpoch, 0) : entry.getValue();
    OptionalLong numbered = stream.lastSeqOf(sender, batch);
    if (numbered.isPresent()) {
      return stream.headAt(numbered.getAsLong());
    }
    stream.expire(nowNanos, ttlNanos);
    for (int i = 0; i < payloads.length; i++) {
      stream.append(kinds[i], ingressNanos[i], payloads[i], historySize);
    }
    stream.remember(sender, batch);
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
    out.writeString(sender);
    out.writeLong(batch);
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
    sender = in.readString();
    batch = in.readLong();
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
