package chorus.load;

/**
 * A frame the server sends in chorus.v1, read with a few {@code indexOf} calls rather than a JSON parse
 * (a user in a busy room reads thousands per second). Only the keys before {@code "data"} are read, so
 * the chat message inside {@code data}, which has a {@code room} and a {@code seq} of its own, is never
 * taken for the frame's. Missing fields are null, -1 for {@code seq}, false for {@code recovered}.
 *
 * @param data the text from the value of {@code data} to the end of the frame (the chat message,
 *             then the frame's closing brace), or null
 */
public record StructuredFrame(String type, String id, String room, String epoch, long seq, boolean recovered,
    String code, String data) {

  private static final String DATA = ",\"data\":";

  public static StructuredFrame parse(String frame) {
    int dataAt = frame.indexOf(DATA);
    String head = dataAt < 0 ? frame : frame.substring(0, dataAt);
    return new StructuredFrame(string(head, "type"), string(head, "id"), string(head, "room"), string(head, "epoch"),
        number(head, "seq"), head.contains("\"recovered\":true"), string(head, "code"),
        dataAt < 0 ? null : frame.substring(dataAt + DATA.length()));
  }

  public boolean is(String t) {
    return t.equals(type);
  }

  /** A JSON string of a server-chosen token (an epoch, a room), quoted and with quotes and backslashes escaped. */
  public static String quote(String token) {
    return "\"" + token.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String string(String head, String key) {
    String k = "\"" + key + "\":\"";
    int at = head.indexOf(k);
    if (at < 0) {
      return null;
    }
    int from = at + k.length();
    int to = head.indexOf('"', from);
    return to < 0 ? null : head.substring(from, to);
  }

  private static long number(String head, String key) {
    String k = "\"" + key + "\":";
    int at = head.indexOf(k);
    if (at < 0) {
      return -1;
    }
    int from = at + k.length();
    int to = from;
    while (to < head.length() && Character.isDigit(head.charAt(to))) {
      to++;
    }
    try {
      return to == from ? -1 : Long.parseLong(head.substring(from, to));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
