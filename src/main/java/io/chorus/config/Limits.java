package io.chorus.config;

import java.util.OptionalLong;

/**
 * What one client may cost the node.
 *
 * @param maxMessageSize     largest client message in bytes, fragments reassembled
 * @param maxConnections     WebSocket connections per node
 * @param maxIncompleteInput bytes all connections together may hold for input not yet complete; empty for the
 *                           default, which depends on the memory limits of the running JVM
 * @param maxPendingOutput   bytes a connection may have waiting to be written
 * @param slowConsumerPolicy what happens beyond {@code maxPendingOutput}
 * @param rateLimit          messages per second a connection may send; 0 for no limit
 * @param rateLimitBurst     messages a connection may send at once above its rate
 * @param maxRoomsPerConnection rooms a chorus.v1 connection may be subscribed to at once
 */
public record Limits(
    int maxMessageSize,
    int maxConnections,
    OptionalLong maxIncompleteInput,
    int maxPendingOutput,
    SlowConsumerPolicy slowConsumerPolicy,
    int rateLimit,
    int rateLimitBurst,
    int maxRoomsPerConnection) {
}
