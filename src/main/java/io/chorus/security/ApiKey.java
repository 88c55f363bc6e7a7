package io.chorus.security;

import java.util.Set;

/**
 * One line of the API key file: the SHA-256 of a key (the key itself is never stored), the name it goes by in
 * refusals and logs, and what it may do.
 */
record ApiKey(String name, byte[] sha256, Set<Scope> scopes) {
}
