package io.chorus.transport;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/** A message arriving in several frames, collected until its last frame; exists only while one is in flight. */
final class FragmentedMessage {

  private final boolean binary;
  private final boolean compressed;
  private final int maxSize;
  private byte[] bytes;
  private int length;

  /** @param compressed whether its first frame had RSV1 set: the frames carry it deflated (RFC 7692) */
  FragmentedMessage(boolean binary, boolean compressed, int maxSize, int firstFrameSize) {
    this.binary = binary;
    this.compressed = compressed;
    this.maxSize = maxSize;
    this.bytes = new byte[Math.min(maxSize, Math.max(256, firstFrameSize * 2))];
  }

  /** Adds a frame's payload; false when the message would grow beyond the maximum size. */
  boolean append(ByteBuf content) {
    int added = content.readableBytes();
    if (length + added > maxSize) {
      return false;
    }
    if (length + added > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.min(maxSize, Math.max(bytes.length * 2, length + added)));
    }
    content.getBytes(content.readerIndex(), bytes, length, added);
    length += added;
    return true;
  }

  /** The bytes its buffer takes, filled or not. */
  int capacity() {
    return bytes.length;
  }

  boolean binary() {
    return binary;
  }

  boolean compressed() {
    return compressed;
  }

  byte[] bytes() {
    return bytes.length == length ? bytes : Arrays.copyOf(bytes, length);
  }
}
