package io.chorus.hub;

/** Room names: 1 to 64 characters from {@code [A-Za-z0-9._-]}, safe in URLs, logs and event-bus addresses. */
public final class RoomName {

  public static final String DEFAULT = "lobby";
  public static final int MAX_LENGTH = 64;

  private RoomName() {
  }

  public static boolean isValid(String name) {
    int length = name.length();
    if (length == 0 || length > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = name.charAt(i);
      boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
