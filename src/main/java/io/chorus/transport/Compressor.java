package io.chorus.transport;

import java.util.Arrays;
import java.util.zip.Deflater;

/**
 * A deflater for outgoing messages, reused for every message of one protocol on one event loop: raw DEFLATE, reset before each message
 * (no context takeover), so that what it makes depends on the message alone and serves every connection. The
 * output ends as RFC 7692 section 7.2.1 asks: flushed with an empty stored block, whose last four bytes
 * ({@code 00 00 ff ff}) are left out. Touched by its event loop only. zlib
 * takes about 256 KiB of native memory for it at this level (a 32 KiB window, its hash tables): two per event
 * loop, whatever the number of connections.
 */
final class Compressor {

  /**
   * zlib's level 3, measured against 1, 6 and 9 on chat JSON (~120 bytes) and ticker JSON (~830 bytes): the same
   * bytes as 6 on chat, 6 % more on tickers, at up to half the time. Below 4, zlib skips lazy matching.
   */
  static final int LEVEL = 3;
  private static final int TAIL = 4;

  private final Deflater deflater = new Deflater(LEVEL, true);
  private byte[] output = new byte[1024];

  /** Compresses {@code length} bytes of {@code input}; the result is the first {@link #compress} bytes of {@link #output}. */
  int compress(byte[] input, int offset, int length) {
    deflater.reset();
    deflater.setInput(input, offset, length);
    int written = 0;
    while (true) {
      written += deflater.deflate(output, written, output.length - written, Deflater.SYNC_FLUSH);
      if (written < output.length) {
        return written - TAIL;
      }
      output = Arrays.copyOf(output, output.length * 2);
    }
  }

  byte[] output() {
    return output;
  }
}
