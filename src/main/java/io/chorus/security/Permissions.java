package io.chorus.security;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The rooms a connection may subscribe to and publish in, each list of exact names and prefix patterns: {@code lobby}
 * is that room, {@code team-*} every room whose name starts with {@code team-}, {@code *} every room. Read from a
 * token's {@code chorus} claim, {@code {"subscribe":["lobby","team-*"],"publish":["lobby"]}}, or from the
 * anonymous grant of the configuration.
 */
public record Permissions(List<String> subscribe, List<String> publish) {

  /** What every client may do on a server without keys: anything. */
  public static final Permissions ALL = new Permissions(List.of("*"), List.of("*"));
  /** A token whose {@code chorus} claim is absent: it names the user and lets it do nothing. */
  public static final Permissions NONE = new Permissions(List.of(), List.of());

  public Permissions {
    subscribe = List.copyOf(subscribe);
    publish = List.copyOf(publish);
  }

  public boolean maySubscribe(String room) {
    return matches(subscribe, room);
  }

  public boolean mayPublish(String room) {
    return matches(publish, room);
  }

  /**
   * The permissions a {@code chorus} claim names; {@link #NONE} when there is none.
   *
   * @throws IllegalArgumentException when the claim is not an object of string lists
   */
  public static Permissions fromClaim(Object claim) {
    if (claim == null) {
      return NONE;
    }
    if (!(claim instanceof JsonObject object)) {
      throw new IllegalArgumentException("the chorus claim must be an object");
    }
    return new Permissions(patterns(object.getValue("subscribe"), "subscribe"),
        patterns(object.getValue("publish"), "publish"));
  }

  private static List<String> patterns(Object value, String name) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array)) {
      throw new IllegalArgumentException("chorus." + name + " must be a list of room names and patterns");
    }
    List<String> patterns = new ArrayList<>(array.size());
    for (Object pattern : array) {
      if (!(pattern instanceof String text) || text.isEmpty()) {
        throw new IllegalArgumentException("chorus." + name + " must hold only non-empty strings");
      }
      patterns.add(text);
    }
    return patterns;
  }

  /** A linear scan: a token names a handful of patterns, and it runs once per subscribe or publish command. */
  private static boolean matches(List<String> patterns, String room) {
    for (String pattern : patterns) {
      boolean prefix = pattern.endsWith("*");
      if (prefix ? room.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(room)) {
        return true;
      }
    }
    return false;
  }
}
