package io.chorus.session;

import io.chorus.config.Authentication;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Reload;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.jwt.JWTAuth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The keys that verify connection tokens, for every gateway of the node: the configuration's, with those of the JWKS
 * file ({@code jwt-jwks}) read again when the file changes or on SIGHUP, so that an identity provider can rotate its
 * signing key without a restart. A file that cannot be read, or holds no usable JWKS, leaves the keys as they were (a
 * half-written file must not lock every client out), with one WARN per change of the file. Each gateway's
 * {@link Authenticator} takes a new set at its next check.
 */
public final class TokenKeys implements Supplier<Authentication> {

  private static final Logger log = LoggerFactory.getLogger(TokenKeys.class);

  /**
   * How often the JWKS file is read to see whether it changed, as the API key file: a new signing key is accepted
   * within 2 s of its publication. Reading a file of a few keys every 2 s, on a worker thread, costs nothing one could
   * measure, and parsing it happens only when its text changed.
   */
  public static final long RELOAD_CHECK_MILLIS = 2_000;

  private final Path file;
  /** Null when there is no JWKS file to reload. */
  private final Consumer<Reload> reloads;
  private volatile Authentication current;
  /** What the last check read: the file's text, or why it could not be read; null before the first check. */
  private String lastRead;
  /** Set by {@link #watch}; null until then. */
  private Vertx vertx;

  public TokenKeys(Authentication authentication, ChorusMetrics metrics) {
    this.current = authentication;
    this.file = authentication.jwks().orElse(null);
    this.reloads = file == null ? null : metrics.jwks();
  }

  /** The keys as they are now. */
  @Override
  public Authentication get() {
    return current;
  }

  /** Reads the JWKS file every {@link #RELOAD_CHECK_MILLIS}, on a worker thread; nothing without a JWKS file. */
  public void watch(Vertx vertx) {
    if (file != null) {
      this.vertx = vertx;
      vertx.setPeriodic(RELOAD_CHECK_MILLIS, tick -> vertx.executeBlocking(() -> check(false)));
    }
  }

  /** Whether there is a JWKS file, which {@link #reload} reads. */
  public boolean reloads() {
    return file != null;
  }

  /** Reads the JWKS file now and takes its keys, changed or not (SIGHUP); nothing before {@link #watch}. */
  public void reload() {
    if (vertx != null) {
      vertx.executeBlocking(() -> check(true));
    }
  }

  /**
   * One check. Whatever goes wrong is reported and counted, never thrown: the keys must keep following the file.
   * The first one reads the text the start read, normally, and leaves the keys alone.
   */
  private synchronized Void check(boolean forced) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      String failure = "unreadable: " + e;
      if (forced || !failure.equals(lastRead)) {
        lastRead = failure;
        failed("cannot be read (" + e + ")");
      }
      return null;
    }
    if (!forced && text.equals(lastRead)) {
      return null;
    }
    lastRead = text;
    Authentication next;
    try {
      next = current.withJwks(text);
      // Building a verifier is what a gateway will do with the keys: it throws here, not on an event loop.
      JWTAuth.create(null, Authenticator.options(next));
    } catch (RuntimeException invalid) {
      failed("changed but " + invalid.getMessage());
      return null;
    }
    if (!forced && next.keys().equals(current.keys())) {
      return null;
    }
    current = next;
    reloads.accept(Reload.RELOADED);
    log.info("JWKS file {} reloaded: {} keys verify tokens from now on", file, next.keys().size());
    return null;
  }

  private void failed(String why) {
    reloads.accept(Reload.FAILED);
    log.warn("JWKS file {} {}: keeping the {} keys read before", file, why, current.keys().size());
  }
}
