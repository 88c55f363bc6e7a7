package io.chorus.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** A JWKS file ({@code {"keys":[…]}}, RFC 7517 5) read into verification keys, each checked for what it verifies. */
final class Jwks {

  private Jwks() {
  }

  /** The keys of the jwt-jwks file's text; none, and the setting rejected, when it is not a usable JWKS. */
  static List<Authentication.JwtKey> read(Settings settings, String text) {
    try {
      return parse(text);
    } catch (IllegalArgumentException invalid) {
      settings.reject(Setting.JWT_JWKS, invalid.getMessage());
      return List.of();
    }
  }

  /** The keys of a JWKS's text; throws saying what is wrong with it. */
  static List<Authentication.JwtKey> parse(String text) {
    JsonArray keys;
    try {
      keys = new JsonObject(text).getJsonArray("keys");
    } catch (DecodeException | ClassCastException notJwks) {
      throw new IllegalArgumentException("is not a JWKS: a JSON object with a keys array");
    }
    if (keys == null || keys.isEmpty()) {
      throw new IllegalArgumentException("holds no keys");
    }
    List<Authentication.JwtKey> read = new ArrayList<>();
    for (Object key : keys) {
      // The verifier picks keys by alg: a key without one would verify nothing, silently.
      if (!(key instanceof JsonObject jwk) || !(jwk.getValue("alg") instanceof String)) {
        throw new IllegalArgumentException("has a key without alg (such as RS256 or ES256)");
      }
      read.add(new Authentication.JwtKey(Authentication.JWK, jwk.encode()));
    }
    return List.copyOf(read);
  }
}
