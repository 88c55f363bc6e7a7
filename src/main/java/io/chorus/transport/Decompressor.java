package io.chorus.transport;

import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates the messages a client compressed (RFC 7692), never past the largest message it may send: the output
 * grows as it is produced and stops at {@code max-message-size}, so that a few kilobytes that would inflate to
 * gigabytes (a zip bomb) cost no more than one message of the maximum size.
 *
 * <p>Every client is told to reset its compressor after each message ({@code client_no_context_takeover}, see
 * {@link PerMessageDeflate}), so one decompressor per event loop, reset after each message, serves all its
 * connections; a client that refers back to an earlier message anyway sends data this cannot inflate, and is closed
 * with 1002. Touched by one event loop only.
 */
final class Decompressor {

  /** The end of the empty stored block that RFC 7692 section 7.2.2 has the receiver put back. */
  private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

  private final Inflater inflater = new Inflater(true);
  private final byte[] probe = new byte[1];

  /**
   * The message's payload, or null when it inflates to more than {@code maxSize} bytes.
   *
   * @throws DataFormatException when the payload is not DEFLATE data
   */
  byte[] inflate(byte[] compressed, int maxSize) throws DataFormatException {
    try {
      inflater.setInput(compressed);
      byte[] out = new byte[Math.min(maxSize, Math.max(256, compressed.length * 4))];
      int length = 0;
      boolean tailGiven = false;
      while (true) {
        if (length < out.length) {
          int produced = inflater.inflate(out, length, out.length - length);
          length += produced;
          if (produced > 0) {
            continue;
          }
        } else if (out.length < maxSize) {
          out = Arrays.copyOf(out, (int) Math.min(maxSize, 2L * out.length));
          continue;
        } else if (inflater.inflate(probe) > 0) {
          return null;
        }
        if (inflater.finished()) {
          break;
        }
        if (!inflater.needsInput()) {
          throw new DataFormatException("the deflate stream asks for a preset dictionary");
        }
        if (tailGiven) {
          break;
        }
        inflater.setInput(TAIL);
        tailGiven = true;
      }
      return length == out.length ? out : Arrays.copyOf(out, length);
    } finally {
      inflater.reset();
    }
  }
}
