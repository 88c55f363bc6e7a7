package io.chorus.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real server shared by every test of a class, with its clients: started before the first test, stopped after
 * the last. Declared as {@code @RegisterExtension static final ServerFixture server = ServerFixture.with(flags)}, it
 * replaces the start and stop methods each IT class used to carry.
 */
public final class ServerFixture implements BeforeAllCallback, AfterAllCallback {

  private final String[] flags;
  private TestServer server;
  private TestClients clients;

  private ServerFixture(String[] flags) {
    this.flags = flags;
  }

  /** A server started with these command-line flags (on a free loopback port, as {@link TestServer} does). */
  public static ServerFixture with(String... flags) {
    return new ServerFixture(flags);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = TestServer.start(flags);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (clients != null) {
        clients.close();
      }
    } finally {
      server.close();
    }
  }

  public int port() {
    return server.port();
  }

  public int managementPort() {
    return server.managementPort();
  }

  /** WebSocket clients of this server, made on first use and closed with it. */
  public TestClients clients() {
    if (clients == null) {
      clients = new TestClients(server.port());
    }
    return clients;
  }
}
