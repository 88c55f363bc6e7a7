package io.chorus.session;

import io.chorus.security.Permissions;

/**
 * What a verified token (or the anonymous grant) gives a connection: who it is, what it may do, and until when.
 *
 * @param expiresAtMillis wall-clock time after which the connection may no longer act on it (the token's exp plus
 *                        the leeway); {@link Long#MAX_VALUE} for a grant that never expires
 */
public record Grant(Identity identity, Permissions permissions, long expiresAtMillis) {

  /** Whether it came from a token: an anonymous grant has no user. */
  public boolean authenticated() {
    return identity.user() != null;
  }
}
