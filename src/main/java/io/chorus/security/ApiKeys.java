package io.chorus.security;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

/**
 * The API keys a node accepts, from the file {@code --api-keys} names (see {@link ApiKeyFile}), read again whenever
 * it changes; or none, and the HTTP API is open. Shared by every event loop: checks read one immutable list, a
 * reload swaps it.
 */
public final class ApiKeys {

  private static final Logger log = LoggerFactory.getLogger(ApiKeys.class);

  /**
   * How often the file is read again to see whether it changed: a revoked key stops working within 2 s. Reading a
   * file of a few hundred lines every 2 s, on a worker thread, costs nothing one could measure.
   */
  public static final long RELOAD_CHECK_MILLIS = 2_000;
  /**
   * Longer credentials are refused unhashed: a key made here has 50 characters. Vert.x caps a request's headers at
   * 8 KiB, so this only spares hashing them.
   */
  private static final int MAX_KEY_LENGTH = 256;
  private static final String BEARER = "Bearer ";

  /** Whether a request's credentials admit it to what it asks. */
  public sealed interface Verdict {
  }

  public record Admitted(String name) implements Verdict {
  }

  /** No {@code Authorization: Bearer} credentials at all. */
  public record Missing() implements Verdict {
  }

  /** Bearer credentials that are no key of the file. */
  public record Unknown() implements Verdict {
  }

  /** A key of the file without the scope the request needs. */
  public record Forbidden(String name, Scope scope) implements Verdict {
  }

  private static final Admitted OPEN = new Admitted(null);
  private static final Missing MISSING = new Missing();
  private static final Unknown UNKNOWN = new Unknown();

  /** Null when the API is open. */
  private final Path file;
  private volatile List<ApiKey> keys;
  /** The file's text the keys were last read from, or last failed to be read from: each change is logged once. */
  private String lastText;

  private ApiKeys(Path file, List<ApiKey> keys, String text) {
    this.file = file;
    this.keys = keys;
    this.lastText = text;
  }

  /** No keys: every request is admitted. */
  public static ApiKeys open() {
    return new ApiKeys(null, List.of(), null);
  }

  /** The keys of {@code file}; throws when it cannot be read or a line is invalid, naming the line. */
  public static ApiKeys load(Path file) throws IOException {
    String text = Files.readString(file);
    return new ApiKeys(file, ApiKeyFile.parse(text), text);
  }

  /** Whether requests need a key: false when no file was named. */
  public boolean guards() {
    return file != null;
  }

  /**
   * What {@code authorization} (the request's header, or null) may do about {@code scope}. The key is hashed and its
   * hash compared with every hash of the file in constant time, none skipped, so that the answer's timing tells
   * nothing of the hashes held.
   */
  public Verdict check(String authorization, Scope scope) {
    if (file == null) {
      return OPEN;
    }
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return MISSING;
    }
    String key = authorization.substring(BEARER.length()).strip();
    if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
      return UNKNOWN;
    }
    byte[] hash = ApiKeyFile.sha256(key);
    ApiKey found = null;
    for (ApiKey candidate : keys) {
      if (MessageDigest.isEqual(candidate.sha256(), hash)) {
        found = candidate;
      }
    }
    if (found == null) {
      return UNKNOWN;
    }
    return found.scopes().contains(scope) ? new Admitted(found.name()) : new Forbidden(found.name(), scope);
  }

  /** Reads the file again every {@link #RELOAD_CHECK_MILLIS}, on a worker thread; nothing when the API is open. */
  public void watch(Vertx vertx) {
    if (file != null) {
      vertx.setPeriodic(RELOAD_CHECK_MILLIS, tick -> vertx.executeBlocking(() -> {
        reload();
        return null;
      }));
    }
  }

  /**
   * Takes the file's keys when its text changed. A file that cannot be read or has an invalid line leaves the keys
   * as they were (a half-written file must not lock every backend out, nor let a revoked key back in), logged once
   * per change of the file.
   */
  synchronized void reload() {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      String failure = "unreadable: " + e;
      if (!failure.equals(lastText)) {
        log.warn("API key file {} cannot be read ({}): keeping its {} keys read before", file, e, keys.size());
        lastText = failure;
      }
      return;
    }
    if (text.equals(lastText)) {
      return;
    }
    lastText = text;
    try {
      keys = ApiKeyFile.parse(text);
      log.info("API key file {} changed: {} keys", file, keys.size());
    } catch (IllegalArgumentException e) {
      log.warn("API key file {} changed but is invalid ({}): keeping its {} keys read before", file, e.getMessage(),
          keys.size());
    }
  }
}
