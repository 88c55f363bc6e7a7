/**
 * Transports: the HTTP, WebSocket and SSE edge of a gateway — upgrades, frames, events, their wire formats (the
 * hub's {@code Encoding}s), the HTTP API and long polling, the chat page. Carries sessions through the session's {@code Transport}
 * seam; never imports the bus.
 */
package io.chorus.transport;
