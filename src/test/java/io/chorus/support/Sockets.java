package io.chorus.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** Plain TCP connections that tests open to see what the server does with them before any request. */
public final class Sockets {

  private Sockets() {
  }

  /**
   * {@code count} distinct loopback ports that were free a moment ago, for servers that must be told their ports
   * before they start (a cluster's members list).
   */
  public static int[] freePorts(int count) throws IOException {
    ServerSocket[] sockets = new ServerSocket[count];
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      sockets[i] = new ServerSocket(0);
      ports[i] = sockets[i].getLocalPort();
    }
    for (ServerSocket socket : sockets) {
      socket.close();
    }
    return ports;
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
