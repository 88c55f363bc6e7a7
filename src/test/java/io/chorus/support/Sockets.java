package io.chorus.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Plain TCP connections that tests open to see what the server does with them before any request. */
public final class Sockets {

  private Sockets() {
  }

  /**
   * True once the server has closed the non-blocking connection: end of stream or reset, with no bytes sent first.
   * False while it is open or still connecting.
   */
  public static boolean closedByServer(SocketChannel socket) {
    try {
      return socket.finishConnect() && socket.read(ByteBuffer.allocate(1)) < 0;
    } catch (IOException reset) {
      return true;
    }
  }
}
