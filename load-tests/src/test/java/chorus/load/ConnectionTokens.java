package chorus.load;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 connection tokens for a server started with {@code --jwt-secret}: with {@code -DjwtSecret=<secret>} each
 * virtual user connects with {@code ?token=} a token of its own ({@code sub} = its name, valid for an hour, every
 * room allowed), so that a run also measures what verifying tokens costs the server. Without it, no token.
 */
public final class ConnectionTokens {

  private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
  private static final String HEADER = encode("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
  private static final long LIFETIME_SECONDS = 3600;

  private final Optional<SecretKeySpec> key;

  private ConnectionTokens(Optional<String> secret) {
    this.key = secret.map(s -> new SecretKeySpec(s.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
  }

  /** From {@code -DjwtSecret}, which Gatling's Maven plugin forwards like the other parameters. */
  public static ConnectionTokens fromProperties() {
    return new ConnectionTokens(Optional.ofNullable(System.getProperty("jwtSecret")).filter(s -> !s.isEmpty()));
  }

  /** {@code path}, with {@code ?token=} a fresh token for {@code user} when a secret is set. */
  public String path(String path, String user) {
    return key.map(k -> path + "?token=" + token(k, user)).orElse(path);
  }

  private static String token(SecretKeySpec key, String user) {
    long expires = System.currentTimeMillis() / 1000 + LIFETIME_SECONDS;
    String claims = encode("{\"sub\":\"" + user + "\",\"exp\":" + expires
        + ",\"chorus\":{\"subscribe\":[\"*\"],\"publish\":[\"*\"]}}");
    String signed = HEADER + "." + claims;
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return signed + "." + BASE64URL.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException impossible) {
      throw new IllegalStateException("HmacSHA256 is in every JDK", impossible);
    }
  }

  private static String encode(String json) {
    return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
