package io.chorus.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Socket;
import io.netty.handler.ssl.SslHandler;

import java.io.IOException;
import java.util.Arrays;

/**
 * The room messages of one plain (not TLS) WebSocket on the epoll transport, written to its socket with one
 * {@code send}/{@code writev} per flush, around Netty's outbound buffer. A broadcast frame is shared by every
 * connection of its event loop: through Netty each delivery would cost a duplicate of the buffer, an outbound-buffer
 * entry with its promise and pending-bytes accounting, and a walk down the pipeline, for bytes that need none of it
 * (profiled at 100k deliveries/s: about a third of the Java side of a delivery). Here a delivery costs a reference
 * count and a slot in an array.
 *
 * <p>Netty stays in charge of everything else, and order is kept: whatever the socket does not take at once goes to
 * Netty's outbound buffer, which writes it when the socket drains and counts it against the connection's bound, and
 * while Netty holds anything, messages queue behind it there. Control frames go through Netty as before; they may
 * pass queued messages, which RFC 6455 allows, since every frame queued here is a whole message.
 *
 * <p>Queued frames are bounded: past half the connection's output bound they are written at once rather than at the
 * flush, so the bytes a connection holds outside Netty's accounting stay below its bound.
 */
final class SocketOutput {

  private final Socket socket;
  private final ChannelHandlerContext frameOutput;
  private final ChannelPromise quietPromise;
  /** Netty's outbound buffer of the channel, held here: reaching it through the pipeline costs four more loads. */
  private final ChannelOutboundBuffer nettyOutput;
  /** The event loop's vector of buffers for {@code writev}, shared by its connections. */
  private final IovArray iov;
  private final int flushAt;
  private ByteBuf[] frames = new ByteBuf[4];
  private int count;
  private int queuedBytes;

  /**
   * @param frameOutput where frames enter Netty's pipeline: the connection's own context
   * @param iov         the event loop's vector for {@code writev}
   * @param flushAt     queued bytes past which frames are written without waiting for the flush
   */
  private SocketOutput(Socket socket, ChannelHandlerContext frameOutput, ChannelPromise quietPromise,
      ChannelOutboundBuffer nettyOutput, IovArray iov, int flushAt) {
    this.socket = socket;
    this.frameOutput = frameOutput;
    this.quietPromise = quietPromise;
    this.nettyOutput = nettyOutput;
    this.iov = iov;
    this.flushAt = flushAt;
  }

  /**
   * Direct output for the channel of {@code frameOutput}, or null when its bytes must pass through Netty: another
   * transport than epoll, or TLS.
   */
  static SocketOutput of(ChannelHandlerContext frameOutput, ChannelPromise quietPromise,
      ChannelOutboundBuffer nettyOutput, WebSocketEndpoint endpoint) {
    if (!(frameOutput.channel() instanceof EpollSocketChannel epoll) || !(epoll.fd() instanceof Socket socket)
        || frameOutput.pipeline().get(SslHandler.class) != null) {
      return null;
    }
    return new SocketOutput(socket, frameOutput, quietPromise, nettyOutput, endpoint.iov(),
        endpoint.outputBound().high() / 2);
  }

  /** Queues a shared, pre-encoded frame, holding a reference to it; its reader index is left as it is. */
  void add(ByteBuf frame) {
    if (!frame.hasMemoryAddress()) {
      handOver();
      frameOutput.write(frame.retainedDuplicate(), quietPromise);
      return;
    }
    if (count == frames.length) {
      frames = Arrays.copyOf(frames, count * 2);
    }
    frames[count++] = frame.retain();
    queuedBytes += frame.readableBytes();
    if (queuedBytes >= flushAt) {
      flush();
    }
  }

  /** Writes what is queued: to the socket when Netty holds nothing for it, otherwise behind what Netty holds. */
  void flush() {
    if (count == 0 || !nettyIdle()) {
      handOver();
      frameOutput.flush();
      return;
    }
    int sent = 0;
    try {
      while (sent < count) {
        long expected;
        long written;
        if (count - sent == 1) {
          ByteBuf frame = frames[sent];
          expected = frame.readableBytes();
          // send(2), not write(2): on a socket, write passes through the kernel's file layer first (profiled at
          // 100k deliveries/s: 11 % of the server's samples on write's way in against 6 % on send's).
          written = socket.sendAddress(frame.memoryAddress(), frame.readerIndex(), frame.writerIndex());
        } else {
          fillIov(sent);
          expected = iov.size();
          written = socket.writevAddresses(iov.memoryAddress(0), iov.count());
        }
        sent = releaseWritten(sent, written);
        if (written < expected) {
          break;
        }
      }
    } catch (IOException e) {
      // A reset or a broken pipe: Netty meets the same error writing the rest, and closes the channel its way.
    } finally {
      iov.clear();
    }
    compact(sent);
    if (count > 0) {
      handOver();
      frameOutput.flush();
    }
  }

  /**
   * Hands every queued frame to Netty, in order, without flushing: before a close frame, which must follow them, or
   * when Netty already holds output.
   */
  void handOver() {
    for (int i = 0; i < count; i++) {
      // A view of the shared bytes with its own reader index; releasing it releases this queue's reference.
      frameOutput.write(frames[i].duplicate(), quietPromise);
      frames[i] = null;
    }
    count = 0;
    queuedBytes = 0;
  }

  /** Drops what is queued: the channel is closed. */
  void release() {
    for (int i = 0; i < count; i++) {
      frames[i].release();
      frames[i] = null;
    }
    count = 0;
    queuedBytes = 0;
  }

  private boolean nettyIdle() {
    return socket.isOpen() && nettyOutput.totalPendingWriteBytes() == 0;
  }

  /** Fills the vector with frames from {@code from} on, as many as it takes. */
  private void fillIov(int from) {
    iov.clear();
    for (int i = from; i < count; i++) {
      ByteBuf frame = frames[i];
      if (!iov.add(frame, frame.readerIndex(), frame.readableBytes())) {
        return;
      }
    }
  }

  /**
   * Releases the frames {@code written} bytes covered, from {@code from} on; a frame written in part is replaced by
   * a view of its unwritten rest. Returns the index of the first frame not wholly written.
   */
  private int releaseWritten(int from, long written) {
    int i = from;
    long left = written;
    while (i < count && left > 0) {
      ByteBuf frame = frames[i];
      int length = frame.readableBytes();
      if (left < length) {
        frames[i] = frame.slice(frame.readerIndex() + (int) left, length - (int) left);
        break;
      }
      left -= length;
      queuedBytes -= length;
      frame.release();
      frames[i] = null;
      i++;
    }
    return i;
  }

  private void compact(int sent) {
    if (sent == 0) {
      return;
    }
    int left = count - sent;
    System.arraycopy(frames, sent, frames, 0, left);
    Arrays.fill(frames, left, count, null);
    count = left;
  }
}
