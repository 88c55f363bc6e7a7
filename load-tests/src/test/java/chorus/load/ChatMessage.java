package chorus.load;

/**
 * The payload every load-test user sends. Chorus broadcasts frames unchanged, so each receiver can
 * read from the frame itself which room it was meant for, who sent it, in which order, and when:
 * <pre>{"room":"lt-k3x9-4","sender":"u17","seq":42,"sentAt":1764165600123,"pad":"xxxx"}</pre>
 * {@code sentAt} is epoch milliseconds taken just before the frame is written; {@code pad} brings the
 * frame to the requested size. The layout is fixed, so parsing is a few {@code indexOf} calls instead
 * of a JSON parse per received frame (a receiver in a busy room parses thousands per second).
 */
public record ChatMessage(String room, String sender, long seq, long sentAt) {

  /** Size of a frame with an empty pad and generous room, sender, seq and time fields. */
  public static final int MIN_BYTES = 128;

  private static final String ROOM = "{\"room\":\"";
  private static final String SENDER = "\",\"sender\":\"";
  private static final String SEQ = "\",\"seq\":";
  private static final String SENT_AT = ",\"sentAt\":";
  private static final String PAD = ",\"pad\":\"";

  /** The frame text, padded with {@code x} to exactly {@code bytes} (all characters are ASCII). */
  public String encode(int bytes) {
    String head = ROOM + room + SENDER + sender + SEQ + seq + SENT_AT + sentAt + PAD;
    int padding = Math.max(0, bytes - head.length() - 2);
    return head + "x".repeat(padding) + "\"}";
  }

  /** Reads a frame written by {@link #encode}; returns null for any other frame (the welcome, say). */
  public static ChatMessage parse(String frame) {
    if (!frame.startsWith(ROOM)) {
      return null;
    }
    int senderAt = frame.indexOf(SENDER, ROOM.length());
    int seqAt = senderAt < 0 ? -1 : frame.indexOf(SEQ, senderAt);
    int sentAtAt = seqAt < 0 ? -1 : frame.indexOf(SENT_AT, seqAt);
    int padAt = sentAtAt < 0 ? -1 : frame.indexOf(PAD, sentAtAt);
    if (padAt < 0) {
      return null;
    }
    try {
      return new ChatMessage(
          frame.substring(ROOM.length(), senderAt),
          frame.substring(senderAt + SENDER.length(), seqAt),
          Long.parseLong(frame.substring(seqAt + SEQ.length(), sentAtAt)),
          Long.parseLong(frame.substring(sentAtAt + SENT_AT.length(), padAt)));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
