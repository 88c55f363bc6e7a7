package io.chorus.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Signs connection tokens for tests, as an identity provider would: HS256 with a shared secret, RS256 or ES256 with a
 * key pair generated here (the private key never leaves the test; the public key is written as the PEM file the
 * server reads).
 */
public final class Tokens {

  /** A secret as long as HS256 needs (32 bytes). */
  public static final String SECRET = "a-test-secret-of-32-bytes-or-more!!";

  private final JWTAuth signer;
  private final String algorithm;
  private final String publicKeyPem;
  /** The public key as a JSON Web Key (RFC 7517); null for HS256. */
  private final JsonObject jwk;

  private Tokens(String algorithm, PubSecKeyOptions key, String publicKeyPem, JsonObject jwk) {
    this.signer = JWTAuth.create(null, new JWTAuthOptions().addPubSecKey(key));
    this.algorithm = algorithm;
    this.publicKeyPem = publicKeyPem;
    this.jwk = jwk;
  }

  public static Tokens hs256(String secret) {
    return new Tokens("HS256", new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret), null, null);
  }

  /** RS256 (RSA 2048) or ES256 (EC P-256), with a fresh key pair. */
  public static Tokens generate(String algorithm) throws Exception {
    KeyPairGenerator generator;
    if (algorithm.equals("RS256")) {
      generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
    } else {
      generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
    }
    KeyPair pair = generator.generateKeyPair();
    // Its own kid, as an identity provider names each key it signs with: a JWKS can hold an old key and a new one.
    String kid = "key-" + Integer.toHexString(pair.getPublic().hashCode());
    String privatePem = pem("PRIVATE KEY", pair.getPrivate().getEncoded());
    JsonObject jwk = null;
    if (pair.getPublic() instanceof RSAPublicKey rsa) {
      jwk = new JsonObject().put("kty", "RSA").put("alg", algorithm).put("use", "sig").put("kid", kid)
          .put("n", unsigned(rsa.getModulus())).put("e", unsigned(rsa.getPublicExponent()));
    }
    return new Tokens(algorithm, new PubSecKeyOptions().setAlgorithm(algorithm).setBuffer(privatePem).setId(kid),
        pem("PUBLIC KEY", pair.getPublic().getEncoded()), jwk);
  }

  /** Writes a JWKS holding the RSA public key, for --jwt-jwks. */
  public Path jwksFile(Path directory) throws IOException {
    return jwks(directory.resolve(algorithm + ".jwks.json"), this);
  }

  /** Writes (or replaces) a JWKS holding the RSA public keys of {@code keys}, each with its own kid. */
  public static Path jwks(Path file, Tokens... keys) throws IOException {
    JsonArray jwks = new JsonArray();
    for (Tokens key : keys) {
      jwks.add(key.jwk);
    }
    return Files.writeString(file, new JsonObject().put("keys", jwks).encode());
  }

  /** RFC 7518 6.3.1: base64url of the big-endian bytes, without the sign byte. */
  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    int start = bytes.length > 1 && bytes[0] == 0 ? 1 : 0;
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Arrays.copyOfRange(bytes, start, bytes.length));
  }

  /** Writes the public key as a PEM file, for --jwt-public-key. */
  public Path publicKeyFile(Path directory) throws IOException {
    return Files.writeString(directory.resolve(algorithm + ".pem"), publicKeyPem);
  }

  /** A token for {@code sub} expiring in {@code seconds}, with these permissions (exact names and * patterns). */
  public String token(String sub, long seconds, List<String> subscribe, List<String> publish) {
    return sign(claims(sub, seconds, subscribe, publish));
  }

  /** A token that may subscribe to and publish in every room, for an hour. */
  public String anything(String sub) {
    return token(sub, 3600, List.of("*"), List.of("*"));
  }

  public static JsonObject claims(String sub, long seconds, List<String> subscribe, List<String> publish) {
    return new JsonObject()
        .put("sub", sub)
        .put("exp", System.currentTimeMillis() / 1000 + seconds)
        .put("chorus", new JsonObject().put("subscribe", new JsonArray(subscribe)).put("publish", new JsonArray(publish)));
  }

  public String sign(JsonObject claims) {
    return signer.generateToken(claims, new JWTOptions().setAlgorithm(algorithm));
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
