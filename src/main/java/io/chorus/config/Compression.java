package io.chorus.config;

/**
 * permessage-deflate (RFC 7692) for WebSocket clients that offer it.
 *
 * @param enabled whether the server accepts the extension at all; off, it answers no extension
 * @param minSize messages whose frame payload is shorter than this many bytes go uncompressed
 */
public record Compression(boolean enabled, int minSize) {
}
