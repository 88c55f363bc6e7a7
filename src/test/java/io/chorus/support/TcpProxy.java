package io.chorus.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy in front of a server, to cut a client's connections as a network failure would while the server
 * keeps running: {@link #cut()} closes every connection open through it, and it goes on accepting new ones.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket listener;
  private volatile int target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

  private TcpProxy(ServerSocket listener, int target) {
    this.listener = listener;
    this.target = target;
  }

  /** A proxy on a free loopback port forwarding to {@code 127.0.0.1:port}. */
  public static TcpProxy to(int port) throws IOException {
    TcpProxy proxy = new TcpProxy(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), port);
    start("tcp-proxy-accept", proxy::accept);
    return proxy;
  }

  public int port() {
    return listener.getLocalPort();
  }

  /** Sends new connections to {@code 127.0.0.1:port} from now on, as a load balancer does when a node leaves. */
  public void retarget(int port) {
    target = port;
  }

  /** Closes every connection open through the proxy, both sides, without a WebSocket close frame. */
  public void cut() {
    sockets.forEach(this::closeQuietly);
  }

  private void accept() {
    while (!listener.isClosed()) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException closed) {
        return;
      }
      try {
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        start("tcp-proxy-up", () -> pipe(client, server));
        start("tcp-proxy-down", () -> pipe(server, client));
      } catch (IOException targetDown) {
        // A load balancer whose node died refuses the connection too; the client tries again.
        closeQuietly(client);
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException cut) {
      // The other direction, or cut(), closed the pair.
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void start(String name, Runnable task) {
    Thread thread = new Thread(task, name);
    thread.setDaemon(true);
    thread.start();
  }

  private void closeQuietly(Socket socket) {
    sockets.remove(socket);
    try {
      socket.close();
    } catch (IOException alreadyClosed) {
      // Nothing left to release.
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    cut();
  }
}
