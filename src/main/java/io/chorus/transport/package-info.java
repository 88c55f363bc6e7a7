/**
 * Transports: the HTTP and WebSocket edge of a gateway — upgrades, frames, the chat page. Depends on the hub
 * through its {@code Connection} seam; never imports the bus.
 */
package io.chorus.transport;
