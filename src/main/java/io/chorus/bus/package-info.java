/**
 * The bus: publish/subscribe of room envelopes over the Vert.x event bus, standalone or clustered, and the envelope
 * codec. Implements the hub's {@code Broker}; never imports the transports.
 */
package io.chorus.bus;
