package io.chorus.security;

import java.util.Locale;

/** What an API key lets its holder do; the file names them in lower case. */
public enum Scope {
  /** {@code POST /api/rooms/{room}/messages}. */
  PUBLISH,
  /** {@code GET} and {@code HEAD} on {@code /api/rooms/{room}} and its messages. */
  READ,
  /** {@code /metrics}, where API keys guard it: on the main port ({@code --management-port main}). */
  METRICS;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The scope a word of the key file names, or null. */
  static Scope named(String word) {
    for (Scope scope : values()) {
      if (scope.word().equals(word)) {
        return scope;
      }
    }
    return null;
  }
}
