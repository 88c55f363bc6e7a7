package io.chorus.support;

import io.chorus.Chorus;
import io.chorus.config.ConfigLoader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Chorus server in this JVM, listening on a free loopback port, configured with command-line flags. Its
 * management port is a free one too, unless the flags name it: the default 9090 would collide between servers.
 */
public final class TestServer implements AutoCloseable {

  private final Chorus chorus;

  private TestServer(Chorus chorus) {
    this.chorus = chorus;
  }

  public static TestServer start(String... flags) throws Exception {
    List<String> args = new ArrayList<>(List.of("--host", "127.0.0.1", "--port", "0"));
    if (!List.of(flags).contains("--management-port")) {
      args.addAll(List.of("--management-port", "0"));
    }
    args.addAll(List.of(flags));
    Chorus chorus = Chorus.start(ConfigLoader.load(args.toArray(String[]::new), Map.of())).await(30, TimeUnit.SECONDS);
    return new TestServer(chorus);
  }

  public int port() {
    return chorus.port();
  }

  /** The port that serves {@code /metrics} and {@code /health/*}. */
  public int managementPort() {
    return chorus.managementPort();
  }

  public Chorus chorus() {
    return chorus;
  }

  @Override
  public void close() throws Exception {
    chorus.stop().await(30, TimeUnit.SECONDS);
  }
}
