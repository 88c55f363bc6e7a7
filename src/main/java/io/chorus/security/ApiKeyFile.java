package io.chorus.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The API key file's format, one key a line: {@code sha256:<64 hex digits> [name [scopes]]}, where the digits are the
 * SHA-256 of the key's UTF-8 bytes, the name (default: {@code key-<line number>}) is 1 to 64 characters from
 * {@code A-Z a-z 0-9 . _ -}, and the scopes are a comma-separated list of {@code publish}, {@code read},
 * {@code metrics} (default: {@code publish,read}). Blank lines and lines starting with {@code #} are skipped.
 * Only hashes are stored, so the file does not give the keys away: a key is 32 random bytes, and nobody finds a
 * SHA-256 preimage of that.
 */
public final class ApiKeyFile {

  /** The prefix of every key made here: it tells a secret scanner, or a reader of a log, what leaked. */
  private static final String KEY_PREFIX = "chorus_";
  /** 256 bits: as strong as the hash that stands for the key. */
  private static final int KEY_BYTES = 32;
  private static final String HASH_PREFIX = "sha256:";
  private static final Pattern HASH = Pattern.compile("sha256:[0-9a-fA-F]{64}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final Set<Scope> DEFAULT_SCOPES = EnumSet.of(Scope.PUBLISH, Scope.READ);
  private static final SecureRandom RANDOM = new SecureRandom();

  private ApiKeyFile() {
  }

  /** The keys of a file's text; an invalid line throws, naming its number and what is wrong with it. */
  static List<ApiKey> parse(String text) {
    List<ApiKey> keys = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int number = 1; number <= lines.length; number++) {
      String line = lines[number - 1].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      ApiKey key = key(line.split("\\s+"), number);
      for (ApiKey earlier : keys) {
        if (Arrays.equals(earlier.sha256(), key.sha256())) {
          throw new IllegalArgumentException("line " + number + ": the same key as " + earlier.name());
        }
      }
      keys.add(key);
    }
    return List.copyOf(keys);
  }

  /** The line that admits {@code key}, as the file wants it. */
  public static String line(String key, String name, Set<Scope> scopes) {
    return HASH_PREFIX + HexFormat.of().formatHex(sha256(key)) + " " + name + " "
        + scopes.stream().map(Scope::word).collect(Collectors.joining(","));
  }

  /** A fresh random key: {@code chorus_} and 43 characters of URL-safe base64. */
  public static String newKey() {
    byte[] random = new byte[KEY_BYTES];
    RANDOM.nextBytes(random);
    return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** Whether {@code name} may name a key. */
  public static boolean isName(String name) {
    return NAME.matcher(name).matches();
  }

  /** The scopes of a comma-separated list such as {@code publish,read}; an unknown word throws. */
  public static Set<Scope> scopes(String list) {
    Set<Scope> scopes = EnumSet.noneOf(Scope.class);
    for (String word : list.split(",", -1)) {
      Scope scope = Scope.named(word);
      if (scope == null) {
        throw new IllegalArgumentException("'" + word + "' is not a scope: use publish, read or metrics");
      }
      scopes.add(scope);
    }
    return scopes;
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  private static ApiKey key(String[] fields, int number) {
    if (!HASH.matcher(fields[0]).matches()) {
      // The field is not echoed: it may be a key pasted in place of its hash.
      throw new IllegalArgumentException("line " + number + ": does not start with sha256: and 64 hex digits");
    }
    if (fields.length > 3) {
      throw new IllegalArgumentException("line " + number + ": has more than a hash, a name and scopes");
    }
    String name = fields.length > 1 ? fields[1] : "key-" + number;
    if (!isName(name)) {
      throw new IllegalArgumentException("line " + number + ": the name is not 1 to 64 of A-Z a-z 0-9 . _ -");
    }
    Set<Scope> scopes;
    try {
      scopes = fields.length > 2 ? scopes(fields[2]) : DEFAULT_SCOPES;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("line " + number + ": " + e.getMessage());
    }
    byte[] hash = HexFormat.of().parseHex(fields[0].substring(HASH_PREFIX.length()));
    return new ApiKey(name, hash, Set.copyOf(scopes));
  }
}
