/**
 * Transports: the HTTP and WebSocket edge of a gateway — upgrades, frames, their wire formats (the hub's
 * {@code Encoding}s), the chat page. Carries sessions through the session's {@code Transport} seam; never imports
 * the bus.
 */
package io.chorus.transport;
