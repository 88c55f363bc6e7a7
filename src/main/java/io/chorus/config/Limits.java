package io.chorus.config;

/**
 * What one client may cost the node.
 *
 * @param maxMessageSize     largest client message in bytes, fragments reassembled
 * @param maxConnections     WebSocket connections per node
 * @param maxPendingOutput   bytes a connection may have waiting to be written
 * @param slowConsumerPolicy what happens beyond {@code maxPendingOutput}
 * @param rateLimit          messages per second a connection may send; 0 for no limit
 * @param rateLimitBurst     messages a connection may send at once above its rate
 */
public record Limits(
    int maxMessageSize,
    int maxConnections,
    int maxPendingOutput,
    SlowConsumerPolicy slowConsumerPolicy,
    int rateLimit,
    int rateLimitBurst) {
}
