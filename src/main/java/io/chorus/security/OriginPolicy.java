package io.chorus.security;

import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Guards against cross-site WebSocket hijacking: a page on another site must not open a WebSocket with its
 * visitor's cookies. Browsers always send {@code Origin}; other clients usually do not.
 *
 * <p>Accepted: no {@code Origin} (not a browser); a page from the same host name as the request's {@code Host}
 * (scheme and port may differ behind a TLS-terminating proxy); a page on a loopback host ({@code localhost},
 * {@code 127.0.0.1}, {@code [::1]}, any port), so that pages under development work; and any origin in the allowed
 * list, where {@code *} allows all and {@code null} allows pages opened from disk. Everything else is refused.
 */
public final class OriginPolicy {

  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

  private final Set<String> allowed;
  private final boolean allowAll;

  /** @param allowed lower-case origins such as {@code https://chat.example.com}, or {@code *} or {@code null} */
  public OriginPolicy(Set<String> allowed) {
    this.allowed = allowed;
    this.allowAll = allowed.contains("*");
  }

  public boolean allows(String origin, String host) {
    if (origin == null || allowAll) {
      return true;
    }
    String normalized = origin.trim().toLowerCase(Locale.ROOT);
    if (allowed.contains(normalized)) {
      return true;
    }
    String originHost = hostOf(normalized);
    if (originHost == null) {
      return false;
    }
    return LOOPBACK.contains(originHost) || originHost.equals(hostWithoutPort(host));
  }

  /** The host of an origin like {@code http://example.com:8080}, or null when it is not one ({@code null}). */
  private static String hostOf(String origin) {
    if (!origin.startsWith("http://") && !origin.startsWith("https://")) {
      return null;
    }
    try {
      return URI.create(origin).getHost();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String hostWithoutPort(String host) {
    if (host == null) {
      return "";
    }
    String lower = host.trim().toLowerCase(Locale.ROOT);
    if (lower.startsWith("[")) {
      int end = lower.indexOf(']');
      return end < 0 ? lower : lower.substring(0, end + 1);
    }
    int colon = lower.indexOf(':');
    return colon < 0 ? lower : lower.substring(0, colon);
  }
}
