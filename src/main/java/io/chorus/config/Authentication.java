package io.chorus.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * How connections prove who they are: the keys that verify their JWTs (none: authentication is off and every client
 * may do anything), the claims checked besides the signature, and what clients without a token may do.
 *
 * @param keys               the verification keys; empty when authentication is off
 * @param jwks               the JWKS file some of the keys come from, read again when it changes (see
 *                           {@link #withJwks})
 * @param issuer             the {@code iss} a token must carry, when set
 * @param audience           a value a token's {@code aud} must hold, when set
 * @param leeway             clock skew allowed on {@code exp}, {@code nbf}, {@code iat}
 * @param anonymous          whether clients without a token are let in (always, when authentication is off)
 * @param anonymousSubscribe room patterns anonymous clients may subscribe to (when authentication is on)
 * @param anonymousPublish   room patterns anonymous clients may publish in (when authentication is on)
 */
public record Authentication(List<JwtKey> keys, Optional<Path> jwks, Optional<String> issuer,
    Optional<String> audience, Duration leeway, boolean anonymous, List<String> anonymousSubscribe,
    List<String> anonymousPublish) {

  /**
   * One verification key. {@code algorithm} is HS256 ({@code material}: the secret), RS256 or ES256 ({@code material}:
   * a PEM public key), or JWK ({@code material}: one JSON Web Key, its own {@code alg} saying what it verifies).
   */
  public record JwtKey(String algorithm, String material) {
  }

  /** The {@link JwtKey#algorithm} of a key from the JWKS file. */
  public static final String JWK = "JWK";

  public boolean enabled() {
    return !keys.isEmpty();
  }

  /**
   * The same authentication with the keys of {@code jwksText} in place of those the JWKS file held; the other keys
   * and every check stay.
   *
   * @throws IllegalArgumentException when the text is not a JWKS with keys that name their alg, saying why
   */
  public Authentication withJwks(String jwksText) {
    List<JwtKey> next = new ArrayList<>();
    keys.stream().filter(key -> !key.algorithm().equals(JWK)).forEach(next::add);
    next.addAll(Jwks.parse(jwksText));
    return new Authentication(List.copyOf(next), jwks, issuer, audience, leeway, anonymous, anonymousSubscribe,
        anonymousPublish);
  }

  /**
   * The authentication the settings describe. A key that cannot be read or used is rejected (see {@link Settings}),
   * and counts as set for the checks that follow, so that they report what they would with it.
   */
  static Authentication from(Settings settings) {
    List<JwtKey> keys = new ArrayList<>();
    boolean keySet = false;
    if (!settings.text(Setting.JWT_SECRET).isEmpty()) {
      keySet = true;
      secret(settings, Setting.JWT_SECRET, settings.text(Setting.JWT_SECRET)).ifPresent(keys::add);
    }
    if (!settings.text(Setting.JWT_SECRET_FILE).isEmpty()) {
      keySet = true;
      // Files written by editors and by Kubernetes Secrets from literals often end in a newline.
      read(settings, Setting.JWT_SECRET_FILE)
          .flatMap(secret -> secret(settings, Setting.JWT_SECRET_FILE, secret.stripTrailing()))
          .ifPresent(keys::add);
    }
    if (!settings.text(Setting.JWT_PUBLIC_KEY).isEmpty()) {
      keySet = true;
      read(settings, Setting.JWT_PUBLIC_KEY)
          .flatMap(pem -> publicKeyAlgorithm(settings, pem).map(algorithm -> new JwtKey(algorithm, pem)))
          .ifPresent(keys::add);
    }
    if (!settings.text(Setting.JWT_JWKS).isEmpty()) {
      keySet = true;
      read(settings, Setting.JWT_JWKS).ifPresent(jwks -> keys.addAll(Jwks.read(settings, jwks)));
    }
    String anonymous = settings.text(Setting.ALLOW_ANONYMOUS).trim();
    if (!keySet && !anonymous.isEmpty()) {
      settings.reject(Setting.ALLOW_ANONYMOUS,
          "needs a JWT key (jwt-secret, jwt-secret-file, jwt-public-key or jwt-jwks): without one every client "
              + "is anonymous and may do anything");
    }
    List<String> subscribe = new ArrayList<>();
    List<String> publish = new ArrayList<>();
    for (String part : anonymous.isEmpty() ? new String[0] : anonymous.split(";")) {
      String[] grant = part.split("=", 2);
      String action = grant[0].trim();
      List<String> rooms = action.equals("subscribe") ? subscribe : action.equals("publish") ? publish : null;
      if (rooms == null || grant.length != 2) {
        settings.reject(Setting.ALLOW_ANONYMOUS,
            "has '" + part.trim() + "'; write subscribe=<rooms>;publish=<rooms>, rooms comma-separated, * a suffix");
        continue;
      }
      Arrays.stream(grant[1].split(",")).map(String::trim).filter(room -> !room.isEmpty()).forEach(rooms::add);
    }
    String issuer = settings.text(Setting.JWT_ISSUER).trim();
    String audience = settings.text(Setting.JWT_AUDIENCE).trim();
    String jwks = settings.text(Setting.JWT_JWKS);
    return new Authentication(List.copyOf(keys),
        jwks.isEmpty() ? Optional.empty() : Optional.of(Path.of(jwks)),
        issuer.isEmpty() ? Optional.empty() : Optional.of(issuer),
        audience.isEmpty() ? Optional.empty() : Optional.of(audience),
        settings.duration(Setting.JWT_LEEWAY, Duration.ZERO, Duration.ofMinutes(5)),
        keys.isEmpty() || !anonymous.isEmpty(),
        List.copyOf(subscribe),
        List.copyOf(publish));
  }

  /** An HS256 key; the error names the setting but never shows the secret. */
  private static Optional<JwtKey> secret(Settings settings, Setting setting, String secret) {
    // RFC 7518 3.2: a key shorter than the hash (32 bytes) could be guessed offline from a single token.
    if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
      settings.rejectUnshown(setting, "the secret is shorter than the 32 bytes HS256 needs (RFC 7518 3.2); "
          + "e.g. openssl rand -base64 32");
      return Optional.empty();
    }
    return Optional.of(new JwtKey("HS256", secret));
  }

  private static Optional<String> read(Settings settings, Setting setting) {
    try {
      return Optional.of(Files.readString(Path.of(settings.text(setting)), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      settings.reject(setting, "cannot be read: " + e.getMessage());
      return Optional.empty();
    }
  }

  /** RS256 for an RSA key, ES256 for an EC key on P-256: the algorithm follows from the key. */
  private static Optional<String> publicKeyAlgorithm(Settings settings, String pem) {
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    } catch (IllegalArgumentException notBase64) {
      settings.reject(Setting.JWT_PUBLIC_KEY, "is not a PEM public key");
      return Optional.empty();
    }
    for (String type : new String[] {"RSA", "EC"}) {
      try {
        PublicKey key = KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() != 256) {
          settings.reject(Setting.JWT_PUBLIC_KEY, "is an EC key off P-256; ES256 needs P-256");
          return Optional.empty();
        }
        return Optional.of(type.equals("RSA") ? "RS256" : "ES256");
      } catch (GeneralSecurityException notThisType) {
        // try the next type
      }
    }
    settings.reject(Setting.JWT_PUBLIC_KEY, "is neither an RSA nor an EC public key in PEM (BEGIN PUBLIC KEY)");
    return Optional.empty();
  }
}
