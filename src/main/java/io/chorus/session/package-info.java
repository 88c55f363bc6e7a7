/**
 * Sessions: one per client connection, whatever carries it — its rooms, its limits, the protocol spoken on it and
 * its disconnect — and each event loop's registry of them, with the heartbeat and the drain; and long polls, each a
 * connection of the hub for one answer. Talks to the hub through the {@code Connection} seam and to its connection's
 * carrier through {@code Transport}; must not import Netty's channels, Vert.x's HTTP, or any transport.
 */
package io.chorus.session;
