package io.chorus.hub;

import io.netty.buffer.ByteBuf;

/**
 * A wire format for messages, such as the WebSocket frame; transports define them, the hub only caches their
 * output. Each has its own small {@link #slot()}, the index of its bytes in every {@link Message}, so that finding
 * a message's encoding is an array read, never a map lookup.
 */
public interface Encoding {

  /** This encoding's index among all encodings: small, distinct, fixed for the life of the process. */
  int slot();

  /** How many bytes {@link #write} writes for this message. */
  int length(Envelope message);

  /** Writes the encoded message, exactly {@link #length} bytes. */
  void write(Envelope message, ByteBuf out);
}
