/**
 * The bus: publish/subscribe of room envelopes over the Vert.x event bus, standalone or clustered, the envelope
 * codec, and the cluster-wide count of a room's subscribers. Implements the hub's {@code Broker} and {@code Census};
 * never imports the transports.
 */
package io.chorus.bus;
