package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * How one connection closes, whoever begins it: the server (a policy, a drain), the client (its close frame), or a
 * protocol violation. Every way goes through {@link #begin}, which sends one close frame and arms the close timer, so
 * the TCP connection always ends: at the latest {@code close-timeout} after the first close frame, even when the
 * client never reads the frame because its output is backed up.
 */
final class ClosingHandshake {

  private enum State { OPEN, CLOSING, CLOSED }

  /** What follows the server's close frame once it is written. */
  enum Then {
    /** Wait for the client's close frame (RFC 6455 7.1.1: the server closes TCP after the handshake). */
    AWAIT_ANSWER,
    /** Close TCP at once: the client broke the protocol or floods, nothing it sends matters. */
    CLOSE,
    /**
     * Shut the output and read on, discarding, until the client closes too: a client that sent too much or bad
     * text may still be sending, and closing with its bytes unread would reset the connection, which browsers
     * report as 1006 instead of the close frame they were sent.
     */
    LINGER
  }

  private final ChannelHandlerContext ctx;
  private final long closeTimeoutNanos;
  private State state = State.OPEN;
  /** The close code sent or received first; 1006 ("abnormal closure") while there is none. */
  private int closeCode = 1006;
  private ScheduledFuture<?> closeTimer;

  ClosingHandshake(ChannelHandlerContext ctx, long closeTimeoutNanos) {
    this.ctx = ctx;
    this.closeTimeoutNanos = closeTimeoutNanos;
  }

  boolean isOpen() {
    return state == State.OPEN;
  }

  boolean isClosed() {
    return state == State.CLOSED;
  }

  int closeCode() {
    return closeCode;
  }

  /**
   * Sends {@code frame} past the output bound (queued behind what is pending) and arms the close timer.
   *
   * @param then what happens once the frame is written
   * @return false when the connection was already closing: then nothing is sent
   */
  boolean begin(CloseWebSocketFrame frame, Then then) {
    if (state != State.OPEN) {
      frame.release();
      return false;
    }
    state = State.CLOSING;
    int code = frame.statusCode();
    closeCode = code < 0 ? 1005 : code;
    closeTimer = ctx.executor().schedule(this::closeNow, closeTimeoutNanos, TimeUnit.NANOSECONDS);
    ctx.writeAndFlush(ControlFrames.encoded(frame)).addListener(written -> {
      if (!written.isSuccess() || then == Then.CLOSE) {
        closeNow();
      } else if (then == Then.LINGER) {
        if (ctx.channel() instanceof DuplexChannel duplex) {
          duplex.shutdownOutput();
        } else {
          closeNow();
        }
      }
    });
    return true;
  }

  /**
   * The client's close frame: the answer to ours, or its own close, answered with its code (or with none), or with
   * 1002 for a code it may not send.
   *
   * @return false when it answered the server's close frame, or was refused: nothing more to do for it
   */
  boolean clientClosed(CloseWebSocketFrame frame) {
    if (state != State.OPEN) {
      closeNow();
      return false;
    }
    int code = frame.statusCode();
    if (code < 0) {
      return begin(new CloseWebSocketFrame(), Then.CLOSE);
    }
    if (isSendableByClients(code)) {
      return begin(new CloseWebSocketFrame(code, null), Then.CLOSE);
    }
    return begin(new CloseWebSocketFrame(CloseReason.PROTOCOL_ERROR.code(), CloseReason.PROTOCOL_ERROR.text()),
        Then.CLOSE);
  }

  /** The TCP connection is gone. */
  void closed() {
    state = State.CLOSED;
    if (closeTimer != null) {
      closeTimer.cancel(false);
    }
  }

  /**
   * A control frame that could not be written, most likely because direct memory ran out, ends the connection at
   * once: it frees what the connection holds, and the event loop goes on with the others.
   */
  void closeOnFailure(ChannelFuture write) {
    write.addListener(written -> {
      if (!written.isSuccess()) {
        closeNow();
      }
    });
  }

  /** Closes the TCP connection now. */
  void closeNow() {
    ctx.close();
  }

  /**
   * Netty's decoder has already refused malformed frames and most codes a client must not send; it accepts codes
   * from 5000 up, and 32768 and up read as negative. RFC 6455 7.4 leaves clients 1000-1003, 1007-1014 (1012-1014
   * registered with IANA since) and 3000-4999.
   */
  private static boolean isSendableByClients(int code) {
    return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
  }
}
