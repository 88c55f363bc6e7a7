package io.chorus.bus;

import com.hazelcast.internal.serialization.SerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import com.hazelcast.spi.merge.MergingValue;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The streams' entry processors and merge policy, applied to plain map entries as Hazelcast's owner and backup do. */
class StreamProcessorsTest {

  private static final long TTL = 60_000_000_000L;

  private long batches;

  private final SerializationService serialization = new DefaultSerializationServiceBuilder()
      .addDataSerializableFactory(StreamSerialization.FACTORY_ID, new StreamSerialization())
      .build();

  @Test
  void appendNumbersABatchOneAboveTheLastAndKeepsTheNewestHistorySize() {
    Map.Entry<String, StoredStream> entry = new AbstractMap.SimpleEntry<>("news", null);
    StoredStream first = append("e1", 0, 3, TTL, messages(0, 2)).process(entry);
    StoredStream second = append("e2", 0, 3, TTL, messages(2, 3)).process(entry);

    assertThat(first.position()).isEqualTo(new Position("e1", 2));
    assertThat(second.position()).isEqualTo(new Position("e1", 5));
    History history = roundTrip(entry.getValue()).history("news");
    assertThat(history.messages()).extracting(Envelope::seq).containsExactly(3L, 4L, 5L);
    assertThat(history.messages()).extracting(envelope -> new String(envelope.payload(), StandardCharsets.UTF_8))
        .containsExactly("m2", "m3", "m4");
  }

  @Test
  void theBackupRunningTheSameAppendEndsWithTheSameStream() {
    Map.Entry<String, StoredStream> owner = new AbstractMap.SimpleEntry<>("news", null);
    Map.Entry<String, StoredStream> backup = new AbstractMap.SimpleEntry<>("news", null);
    StreamAppend append = append(Epochs.next(), 0, 100, TTL, messages(0, 4));

    append.process(owner);
    roundTrip(append).getBackupProcessor().process(backup);

    assertThat(backup.getValue().history("news").position()).isEqualTo(owner.getValue().history("news").position());
  }

  @Test
  void aBatchSentAgainAfterItsOwnerDiedIsNotNumberedTwice() {
    Map.Entry<String, StoredStream> promotedBackup = new AbstractMap.SimpleEntry<>("news", null);
    StreamAppend lost = append("e", 0, 100, TTL, messages(0, 3));
    StoredStream first = lost.process(promotedBackup);
    new StreamAppend("another node", 1, "e", 0, 100, TTL, messages(3, 2)).process(promotedBackup);

    StoredStream again = roundTrip(lost).process(promotedBackup);

    assertThat(again.position()).isEqualTo(first.position()).isEqualTo(new Position("e", 3));
    assertThat(promotedBackup.getValue().history("news").messages()).extracting(Envelope::seq)
        .containsExactly(1L, 2L, 3L, 4L, 5L);
  }

  @Test
  void messagesOlderThanTheTimeToLiveAreNeitherKeptNorRead() {
    Map.Entry<String, StoredStream> entry = new AbstractMap.SimpleEntry<>("news", null);
    append("e", 0, 100, TTL, messages(0, 2)).process(entry);

    StoredStream read = new StreamRead("unused", TTL + 1, TTL, 0, 100, false).process(entry);

    assertThat(read.history("news").messages()).isEmpty();
    assertThat(read.position()).isEqualTo(new Position("e", 2));
  }

  @Test
  void readAnswersTheNewestLimitAfterTheGivenNumberAndStartsAStreamOnlyWhenThereIsNoneAndItMay() {
    Map.Entry<String, StoredStream> entry = new AbstractMap.SimpleEntry<>("news", null);
    StreamRead asking = new StreamRead("transient", 0, TTL, 0, 10, false);
    assertThat(asking.process(entry).position()).isEqualTo(new Position("transient", 0));
    assertThat(entry.getValue()).as("asking about a room keeps nothing").isNull();
    assertThat(asking.getBackupProcessor()).isNull();
    StreamRead start = new StreamRead("fresh", 0, TTL, 0, 10, true);
    assertThat(start.process(entry).position()).isEqualTo(new Position("fresh", 0));
    assertThat(start.getBackupProcessor()).isSameAs(start);

    append("other", 0, 100, TTL, messages(0, 10)).process(entry);
    StreamRead read = new StreamRead("unused", 0, TTL, 4, 3, false);
    List<Envelope> found = roundTrip(read.process(entry)).history("news").messages();

    assertThat(found).extracting(Envelope::seq).containsExactly(8L, 9L, 10L);
    assertThat(found).extracting(Envelope::epoch).containsOnly("fresh");
    assertThat(read.getBackupProcessor()).isNull();
  }

  @Test
  void aStreamNumberedOnBothSidesOfASplitStartsANewEpochWhenTheyMerge() {
    StreamMerge merge = new StreamMerge();
    StoredStream atSplit = stream("e", 3);
    StoredStream keptAsItWas = stream("e", 3);

    assertThat(((StoredStream) merge.merge(value(stream("e", 5)), value(stream("e", 7)))).position())
        .isNotIn(new Position("e", 5), new Position("e", 7))
        .extracting(Position::seq).isEqualTo(0L);
    assertThat(merge.merge(value(atSplit), value(keptAsItWas))).isSameAs(keptAsItWas);
    assertThat(merge.merge(value(atSplit), null)).isSameAs(atSplit);
  }

  private StreamAppend append(String newEpoch, long nowNanos, int historySize, long ttlNanos, List<Envelope> messages) {
    return new StreamAppend("this node", ++batches, newEpoch, nowNanos, historySize, ttlNanos, messages);
  }

  private StoredStream stream(String epoch, int messages) {
    Map.Entry<String, StoredStream> entry = new AbstractMap.SimpleEntry<>("news", null);
    append(epoch, 0, 100, TTL, messages(0, messages)).process(entry);
    return entry.getValue();
  }

  private static MergingValue<StoredStream> value(StoredStream stream) {
    return new MergingValue<>() {
      @Override
      public StoredStream getValue() {
        return stream;
      }

      @Override
      public Object getRawValue() {
        return stream;
      }
    };
  }

  private static List<Envelope> messages(int from, int count) {
    return IntStream.range(from, from + count)
        .mapToObj(i -> new Envelope("news", ("m" + i).getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT, 0, null, 0))
        .toList();
  }

  @SuppressWarnings("unchecked")
  private <T> T roundTrip(T value) {
    return (T) serialization.toObject(serialization.toData(value));
  }
}
