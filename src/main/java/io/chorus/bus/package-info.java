/**
 * The bus: publish/subscribe of room envelopes over the Vert.x event bus, standalone or clustered, the envelope
 * codec, the cluster-wide count of a room's subscribers and its presence, and the log of the cluster's members.
 * Implements the hub's {@code Broker}, {@code Census} and {@code Presence}; never imports the transports.
 */
package io.chorus.bus;
