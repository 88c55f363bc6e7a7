package io.chorus.transport;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * permessage-deflate (RFC 7692) as Chorus agrees to it: the first offer in the client's
 * {@code Sec-WebSocket-Extensions} that it can honour, or none. The server never keeps context between messages
 * ({@code server_no_context_takeover}, said even when the client did not ask, as uWebSockets' shared compressor
 * does): one compressed frame then serves every subscriber, whatever each one received before. Nor may the client
 * ({@code client_no_context_takeover}, which section 7.1.1.2 lets a server answer to an offer without it): its
 * messages are inflated by its event loop's one inflater, instead of one of its own per connection that keeps its
 * 32 KiB window (about 40 KiB of native memory each: 760 MB for 19,000 browsers, which never offer it themselves).
 * Chat messages gain little from a client's context anyway.
 *
 * <p>An offer Chorus cannot honour is declined, never refused: the client then speaks uncompressed, as without
 * the extension. That is an offer with an unknown or repeated parameter or a bad value (RFC 7692 section 5.1), and
 * one that asks for {@code server_max_window_bits} below 15: {@link java.util.zip.Deflater} always uses a 32 KiB
 * window, and a compressor per window size would no longer be shared. No browser asks for it.
 *
 * @param serverMaxWindowBits the client asked for {@code server_max_window_bits=15}, which the answer repeats
 */
record PerMessageDeflate(boolean serverMaxWindowBits) {

  static final String NAME = "permessage-deflate";
  private static final int MAX_WINDOW_BITS = 15;
  private static final int MIN_WINDOW_BITS = 8;

  /** The agreement for the first acceptable offer among the header's values, if any. */
  static Optional<PerMessageDeflate> negotiate(List<String> extensionHeaders) {
    for (String header : extensionHeaders) {
      for (String offer : header.split(",")) {
        Optional<PerMessageDeflate> agreed = accept(offer);
        if (agreed.isPresent()) {
          return agreed;
        }
      }
    }
    return Optional.empty();
  }

  /** The {@code Sec-WebSocket-Extensions} value of the 101 answer. */
  String answer() {
    return NAME + "; server_no_context_takeover; client_no_context_takeover"
        + (serverMaxWindowBits ? "; server_max_window_bits=" + MAX_WINDOW_BITS : "");
  }

  private static Optional<PerMessageDeflate> accept(String offer) {
    String[] parts = offer.split(";");
    if (!parts[0].trim().equalsIgnoreCase(NAME)) {
      return Optional.empty();
    }
    Set<String> seen = new HashSet<>();
    boolean serverMaxWindowBits = false;
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i];
      int equals = parameter.indexOf('=');
      String name = (equals < 0 ? parameter : parameter.substring(0, equals)).trim().toLowerCase(Locale.ROOT);
      String value = equals < 0 ? null : unquote(parameter.substring(equals + 1).trim());
      if (!seen.add(name)) {
        return Optional.empty();
      }
      switch (name) {
        case "server_no_context_takeover", "client_no_context_takeover" -> {
          if (value != null) {
            return Optional.empty();
          }
        }
        case "client_max_window_bits" -> {
          // Any window the client uses fits the inflater's 32 KiB one: the answer need not name it.
          if (value != null && windowBits(value) < 0) {
            return Optional.empty();
          }
        }
        case "server_max_window_bits" -> {
          if (value == null || windowBits(value) != MAX_WINDOW_BITS) {
            return Optional.empty();
          }
          serverMaxWindowBits = true;
        }
        default -> {
          return Optional.empty();
        }
      }
    }
    return Optional.of(new PerMessageDeflate(serverMaxWindowBits));
  }

  /** Window bits 8 to 15, written as RFC 7692 section 7.1.2 allows (1*DIGIT, no leading zero); -1 otherwise. */
  private static int windowBits(String value) {
    if (value.isEmpty() || value.length() > 2 || value.charAt(0) == '0'
        || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int bits = Integer.parseInt(value);
    return bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS ? bits : -1;
  }

  private static String unquote(String value) {
    return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
        ? value.substring(1, value.length() - 1)
        : value;
  }
}
