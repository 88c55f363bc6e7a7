package io.chorus.bus;

import java.security.SecureRandom;
import java.util.HexFormat;

/** New epochs: 64 random bits, so that a stream started anew never takes an epoch a client still remembers. */
final class Epochs {

  private static final SecureRandom RANDOM = new SecureRandom();

  private Epochs() {
  }

  static String next() {
    byte[] bits = new byte[8];
    RANDOM.nextBytes(bits);
    return HexFormat.of().formatHex(bits);
  }
}
