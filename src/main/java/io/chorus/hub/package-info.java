/**
 * The hub: each event loop's rooms and connections, fan-out and flushing. Knows connections only through the
 * {@code Connection} seam and other nodes only through the {@code Broker}; never imports a transport or the bus.
 */
package io.chorus.hub;
