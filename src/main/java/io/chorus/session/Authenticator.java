package io.chorus.session;

import io.chorus.config.Authentication;
import io.chorus.security.Permissions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Verifies connection tokens (JWTs) into {@link Grant}s, and holds the grant of clients without one. One per gateway:
 * the verifier locks each key while it checks a signature, so sharing one between event loops would make them wait
 * for each other. HS256 and RS256 tokens are checked on the event loop, ES256 ones on a thread of the gateway's own
 * (see {@link #OFF_LOOP}). The keys may change while it serves ({@link TokenKeys}: the JWKS file reloaded): the
 * verifier is built anew, on the event loop, at the first check that sees another set.
 */
public final class Authenticator {

  /**
   * Algorithms whose check would stall the event loop. Measured (docs/configuration.md, "Verification cost"; JDK 17,
   * quiet 2-core machine): ES256 0.87 ms a token, so 1,150 reconnecting clients a second would take a whole loop from
   * fan-out; RS256 42 µs and HS256 15 µs, which a loop can spend on a connection it is about to serve anyway.
   */
  private static final Set<String> OFF_LOOP = Set.of("ES256", "ES384", "ES512");

  /** What a token is worth. */
  public sealed interface Verdict permits Granted, Refused {
  }

  public record Granted(Grant grant) implements Verdict {
  }

  /** Not a valid token: {@code reason} is one line for the client. */
  public record Refused(String reason) implements Verdict {
  }

  /** The keys, as they are now. */
  private final Supplier<Authentication> keys;
  /** The keys {@link #verifier} was built from. */
  private Authentication built;
  /** Null when authentication is off: every client is anonymous. */
  private JWTAuth verifier;
  /** Null when clients without a token are refused. */
  private final Grant anonymous;
  private final Vertx vertx;
  private final long leewayMillis;
  /** Where a check made off the loop reports back: the gateway's event loop. */
  private final Executor loop;
  /** The gateway's thread for {@link #OFF_LOOP} checks, started on first use; null until then. */
  private ExecutorService worker;

  /** With keys that never change. */
  public Authenticator(Vertx vertx, Authentication config, Executor loop) {
    this(vertx, () -> config, loop);
  }

  /**
   * @param keys what verifies tokens, read at each check: when it gives another {@link Authentication} than before
   *             (its keys changed; the checks, the leeway and the anonymous grant never do), the verifier is rebuilt
   * @param loop the gateway's event loop, on which every {@link #check} completes
   */
  public Authenticator(Vertx vertx, Supplier<Authentication> keys, Executor loop) {
    Authentication config = keys.get();
    this.vertx = vertx;
    this.keys = keys;
    this.leewayMillis = config.leeway().toMillis();
    this.loop = loop;
    this.built = config;
    this.verifier = config.enabled() ? JWTAuth.create(vertx, options(config)) : null;
    Permissions permissions = !config.enabled() ? Permissions.ALL
        : new Permissions(config.anonymousSubscribe(), config.anonymousPublish());
    this.anonymous = config.anonymous() ? new Grant(Identity.ANONYMOUS, permissions, Long.MAX_VALUE) : null;
  }

  /** The grant of a client without a token; null when such clients are refused. */
  public Grant anonymous() {
    return anonymous;
  }

  /**
   * Checks a token, on the event loop where that is cheap, else on the gateway's verification thread; either way the
   * future completes on the event loop, and never fails.
   */
  public Future<Verdict> check(String token) {
    JWTAuth verifier = verifier();
    if (verifier == null || !OFF_LOOP.contains(algorithm(token))) {
      return Future.succeededFuture(verify(verifier, token));
    }
    if (worker == null) {
      worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "chorus-token-verification");
        thread.setDaemon(true);
        return thread;
      });
    }
    Promise<Verdict> verdict = Promise.promise();
    try {
      worker.execute(() -> {
        Verdict checked = verify(verifier, token);
        loop.execute(() -> verdict.complete(checked));
      });
    } catch (RejectedExecutionException closed) {
      return Future.succeededFuture(new Refused("the server is shutting down"));
    }
    return verdict.future();
  }

  /** The gateway stops: its verification thread, if it has one, ends. */
  public void close() {
    if (worker != null) {
      worker.shutdownNow();
    }
  }

  /**
   * Checks a token, on the calling thread: signature, {@code exp} (required), {@code nbf}, {@code iss} and
   * {@code aud} as configured, a {@code sub}, and the shape of the {@code info} and {@code chorus} claims.
   */
  public Verdict verify(String token) {
    return verify(verifier(), token);
  }

  private Verdict verify(JWTAuth verifier, String token) {
    if (verifier == null) {
      return new Refused("this server takes no tokens");
    }
    Future<User> verified;
    try {
      verified = verifier.authenticate(new TokenCredentials(token));
    } catch (RuntimeException unreadable) {
      return new Refused(reason(unreadable));
    }
    if (verified.failed()) {
      return new Refused(reason(verified.cause()));
    }
    JsonObject claims = verified.result().attributes().getJsonObject("accessToken");
    Object sub = claims.getValue("sub");
    Object exp = claims.getValue("exp");
    Object info = claims.getValue("info");
    if (!(sub instanceof String user) || user.isEmpty()) {
      return new Refused("the token has no sub");
    }
    if (!(exp instanceof Number expiry)) {
      return new Refused("the token has no exp");
    }
    if (info != null && !(info instanceof JsonObject)) {
      return new Refused("the token's info claim must be an object");
    }
    try {
      Permissions permissions = Permissions.fromClaim(claims.getValue("chorus"));
      long expiresAt = expiry.longValue() * 1000 + leewayMillis;
      return new Granted(new Grant(new Identity(user, (JsonObject) info), permissions, expiresAt));
    } catch (IllegalArgumentException badClaim) {
      return new Refused("invalid token: " + badClaim.getMessage());
    }
  }

  /** The {@code alg} of the token's header; empty when it has none that can be read, which verify() refuses. */
  private static String algorithm(String token) {
    int end = token.indexOf('.');
    try {
      byte[] header = Base64.getUrlDecoder().decode(end < 0 ? token : token.substring(0, end));
      return new JsonObject(Buffer.buffer(header)).getString("alg", "");
    } catch (RuntimeException unreadable) {
      return "";
    }
  }

  /**
   * The verifier of the current keys, built anew when they changed. Called on the event loop only: a check made off
   * it is handed the verifier of its time.
   */
  private JWTAuth verifier() {
    Authentication now = keys.get();
    if (now != built) {
      built = now;
      verifier = JWTAuth.create(vertx, options(now));
    }
    return verifier;
  }

  /** The verifier's options for these keys; building a verifier with them throws when a key is unusable. */
  static JWTAuthOptions options(Authentication config) {
    JWTOptions checks = new JWTOptions().setLeeway((int) config.leeway().toSeconds());
    config.issuer().ifPresent(checks::setIssuer);
    config.audience().ifPresent(audience -> checks.setAudience(List.of(audience)));
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(checks);
    for (Authentication.JwtKey key : config.keys()) {
      if (key.algorithm().equals(Authentication.JWK)) {
        options.addJwk(new JsonObject(key.material()));
      } else {
        options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(key.algorithm()).setBuffer(key.material()));
      }
    }
    return options;
  }

  /** The verifier's failure in a line a client can act on; never its stack trace, which says nothing to the client. */
  private static String reason(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    if (message.contains("expired")) {
      return "the token has expired";
    } else if (message.contains("issuer")) {
      return "the token's iss is not the expected issuer";
    } else if (message.contains("audience")) {
      return "the token's aud does not name this service";
    }
    // The verifier's own words ("Signature verification failed", "Invalid format for JWT"), on one short line.
    String line = message.lines().findFirst().orElse("").strip();
    return "invalid token: " + (line.length() > 100 ? line.substring(0, 100) : line);
  }
}
