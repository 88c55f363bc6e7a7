package io.chorus.session;

import io.chorus.config.ConfigLoader;
import io.chorus.support.Tokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What verifying one connection token costs the event loop, per algorithm: the whole {@link Authenticator#verify}
 * (signature, claims, permissions) over 20,000 tokens after 5,000 of warm-up, on one thread. Not part of the suite
 * (the name matches no test pattern); run it with
 * {@code mvn -B -o surefire:test -Dtest=TokenVerificationBenchmark} after a test-compile.
 */
class TokenVerificationBenchmark {

  private static final int WARM_UP = 5_000;
  private static final int MEASURED = 20_000;
  private static final int DISTINCT = 1_000;

  @Test
  void printsTheCostOfVerifyingOneTokenPerAlgorithm(@TempDir Path directory) throws Exception {
    measure("HS256", Tokens.hs256(Tokens.SECRET), "--jwt-secret", Tokens.SECRET);
    for (String algorithm : List.of("RS256", "ES256")) {
      Tokens keys = Tokens.generate(algorithm);
      measure(algorithm, keys, "--jwt-public-key", keys.publicKeyFile(directory).toString());
    }
  }

  private static void measure(String algorithm, Tokens keys, String... flags) throws Exception {
    Authenticator authenticator = new Authenticator(null, ConfigLoader.load(flags, Map.of()).authentication(),
        Runnable::run);
    List<String> tokens = new ArrayList<>(DISTINCT);
    for (int i = 0; i < DISTINCT; i++) {
      tokens.add(keys.token("user-" + i, 3600, List.of("lobby", "team-*"), List.of("lobby")));
    }
    for (int i = 0; i < WARM_UP; i++) {
      assertThat(authenticator.verify(tokens.get(i % DISTINCT))).isInstanceOf(Authenticator.Granted.class);
    }
    long start = System.nanoTime();
    int granted = 0;
    for (int i = 0; i < MEASURED; i++) {
      if (authenticator.verify(tokens.get(i % DISTINCT)) instanceof Authenticator.Granted) {
        granted++;
      }
    }
    double micros = (System.nanoTime() - start) / 1_000.0 / MEASURED;
    assertThat(granted).isEqualTo(MEASURED);
    System.out.printf("token verification %s: %.1f µs per token (%,d tokens, one thread)%n", algorithm, micros,
        MEASURED);
  }
}
