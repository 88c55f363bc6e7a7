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
import java.util.OptionalLong;

/**
 * One room's stream as Hazelcast keeps it (the value of its entry in {@link HazelcastStreams#MAP}), and the answer
 * of the processors that read it: the epoch, the last number, and the newest messages. The messages are numbered
 * without holes up to {@code seq} (appended one above the last, dropped oldest first), so each one's number is
 * implied by its place and not stored: a kept message costs its kind (1 byte), ingress time (8), payload length (4)
 * and payload. It also remembers the last batch each of the latest {@value #MAX_SENDERS} nodes to publish had
 * numbered, so that a batch Hazelcast sends again (its owner died after the backup had applied it) is not numbered
 * twice: a node has one batch per room in flight at a time, so its last one is the only one that can come again.
 */
public final class StoredStream implements IdentifiedDataSerializable {

  private static final Envelope.Kind[] KINDS = Envelope.Kind.values();
  private static final int MAX_SENDERS = 16;

  private String epoch;
  private long seq;
  private ArrayDeque<Kept> messages = new ArrayDeque<>();
  /** The latest batch of each sender, the most recent last. */
  private ArrayDeque<Batch> batches = new ArrayDeque<>();

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

  /** The number of the last message of {@code sender}'s batch {@code batch}, if this stream numbered it already. */
  OptionalLong lastSeqOf(String sender, long batch) {
    for (Batch numbered : batches) {
      if (numbered.sender().equals(sender) && numbered.id() == batch) {
        return OptionalLong.of(numbered.lastSeq());
      }
    }
    return OptionalLong.empty();
  }

  /** Remembers that {@code sender}'s batch {@code batch} ends at the last number, forgetting its earlier one. */
  void remember(String sender, long batch) {
    batches.removeIf(numbered -> numbered.sender().equals(sender));
    batches.addLast(new Batch(sender, batch, seq));
    if (batches.size() > MAX_SENDERS) {
      batches.removeFirst();
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
    return headAt(seq);
  }

  /** The epoch with an earlier number: where one batch ended. */
  StoredStream headAt(long lastSeq) {
    return new StoredStream(epoch, lastSeq);
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
    out.writeInt(batches.size());
    for (Batch batch : batches) {
      out.writeString(batch.sender());
      out.writeLong(batch.id());
      out.writeLong(batch.lastSeq());
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
    int senders = in.readInt();
    batches = new ArrayDeque<>(senders);
    for (int i = 0; i < senders; i++) {
      batches.addLast(new Batch(in.readString(), in.readLong(), in.readLong()));
    }
  }

  private record Batch(String sender, long id, long lastSeq) {
  }

  private record Kept(Envelope.Kind kind, long ingressNanos, byte[] payload) {
  }
}
