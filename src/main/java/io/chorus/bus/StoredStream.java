package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One room's stream as Hazelcast keeps it (the value of its entry in {@link HazelcastStreams#MAP}), and the answer
 * of the processors that read it: the epoch, the last number, and the newest messages. The messages are numbered
 * without holes up to {@code seq} (appended one above the last, dropped oldest first), so each one's number is
 * implied by its place and not stored: a kept message costs its kind (1 byte), ingress time (8), payload length (4)
 * and payload.
 */
public final class StoredStream implements IdentifiedDataSerializable {

  private static final Envelope.Kind[] KINDS = Envelope.Kind.values();

  private String epoch;
  private long seq;
  private ArrayDeque<Kept> messages = new ArrayDeque<>();

  /** For Hazelcast's deserialization. */
  public StoredStream() {
  }

  StoredStream(String epoch, long seq) {
    this.epoch = epoch;
    this.seq = seq;
  }

  /** Numbers the message one above the last and keeps it, then drops the oldest over {@code historySize}. */
  void append(Envelope.Kind kind, long ingressNanos, byte[] payload, int historySize) {
    seq++;
    if (historySize > 0) {
      messages.addLast(new Kept(kind, ingressNanos, payload));
      if (messages.size() > historySize) {
        messages.removeFirst();
      }
    }
  }

  /** Drops the messages older than {@code ttlNanos} at {@code now}. */
  void expire(long now, long ttlNanos) {
    while (!messages.isEmpty() && now - messages.peekFirst().ingressNanos() > ttlNanos) {
      messages.removeFirst();
    }
  }

  /** Epoch and last number, with the newest {@code limit} messages numbered above {@code afterSeq}. */
  StoredStream after(long afterSeq, int limit) {
    StoredStream answer = new StoredStream(epoch, seq);
    long first = seq - messages.size() + 1;
    int skip = (int) Math.max(Math.max(0, afterSeq + 1 - first), (long) messages.size() - limit);
    messages.stream().skip(skip).forEach(answer.messages::addLast);
    return answer;
  }

  /** Epoch and last number, without messages. */
  StoredStream head() {
    return new StoredStream(epoch, seq);
  }

  Position position() {
    return new Position(epoch, seq);
  }

  History history(String room) {
    List<Envelope> envelopes = new ArrayList<>(messages.size());
    long number = seq - messages.size();
    for (Kept message : messages) {
      envelopes.add(new Envelope(room, message.payload(), message.kind(), message.ingressNanos(), epoch, ++number));
    }
    return new History(position(), envelopes);
  }

  @Override
  public int getFactoryId() {
    return StreamSerialization.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return StreamSerialization.STORED_STREAM;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeString(epoch);
    out.writeLong(seq);
    out.writeInt(messages.size());
    for (Kept message : messages) {
      out.writeByte(message.kind().ordinal());
      out.writeLong(message.ingressNanos());
      out.writeByteArray(message.payload());
    }
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    epoch = in.readString();
    seq = in.readLong();
    int count = in.readInt();
    messages = new ArrayDeque<>(count);
    for (int i = 0; i < count; i++) {
      messages.addLast(new Kept(KINDS[in.readByte()], in.readLong(), in.readByteArray()));
    }
  }

  private record Kept(Envelope.Kind kind, long ingressNanos, byte[] payload) {
  }
}
