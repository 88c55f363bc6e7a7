/**
 * The hub: each event loop's rooms and connections, fan-out, the messages it hands out (encoded lazily, once per
 * {@code Encoding}) and flushing, once per connection per turn. Knows connections only through the
 * {@code Connection} seam and other nodes only through the {@code Broker}, the {@code Census} (which counts
 * subscribers) and {@code Presence} (who is in each room); never imports a session, a transport or the bus, nor any
 * wire format.
 */
package io.chorus.hub;
