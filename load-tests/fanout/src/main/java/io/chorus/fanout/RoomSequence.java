package io.chorus.fanout;

/**
 * chorus.v1: one connection's position in its room's stream of sequence numbers. Each delivery must
 * carry the previous number + 1; a jump that no {@code gap} push announced is a gap, and a number at or
 * below the highest seen is a duplicate (seen, or too old for the 64-number window) or out of order.
 */
final class RoomSequence {
    /** Highest sequence number seen, -1 before the {@code subscribed} push. */
    private long highest = -1;
    /** Bit k: highest - k was seen (or lies before the subscription); bit 0 is the highest itself. */
    private long seen;

    /** The {@code subscribed} push: everything up to {@code seq} is behind this connection. */
    void subscribed(long seq) {
        highest = seq;
        seen = -1L;
    }

    /** A {@code gap} push: the server gives up on the numbers up to {@code seq}, so none of them is due. */
    void gap(long seq) {
        if (seq > highest) {
            subscribed(seq);
        }
    }

    void delivered(long seq, Tally t) {
        if (seq == highest + 1) {
            seen = (seen << 1) | 1L;
            highest = seq;
        } else if (seq > highest) {
            long skipped = seq - highest - 1;
            t.seqGaps++;
            t.seqMissing += skipped;
            seen = skipped >= 63 ? 1L : (seen << (skipped + 1)) | 1L;
            highest = seq;
        } else {
            long behind = highest - seq;
            long bit = behind < 64 ? 1L << behind : 0L;
            if (bit == 0 || (seen & bit) != 0) {
                t.seqDuplicates++;
            } else {
                seen |= bit;
                t.seqOutOfOrder++;
            }
        }
    }
}
