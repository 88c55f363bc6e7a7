package io.chorus.hub;

import io.vertx.core.Future;

import java.util.function.Consumer;

/**
 * Who is in each room, over every transport and, clustered, every node: told by the sessions when they join and
 * leave (never per message), asked by the {@code presence} commands and the HTTP API. Rooms that announce presence
 * (the {@code presence-rooms} setting) also tell every listener of each join and leave.
 */
public interface Presence {

  /**
   * Connections a room's presence lists at most: the first to join, with each that leaves making room. A listed
   * connection costs about 200 bytes with a small token info, so a room costs at most ~200 KB, and a reply fits
   * well within the default max-pending-output (1 MiB); the others are counted, not listed.
   */
  int MAX_LISTED = 1_000;

  /** The connection joined the room; any thread. */
  void joined(String room, Present present);

  /** A connection that {@link #joined} the room left it; any thread. */
  void left(String room, Present present);

  /** Who is in the room now; may complete on any thread, fails when presence cannot be read (a cluster in trouble). */
  Future<Attendance> attendance(String room);

  /**
   * Tells {@code listener}, on any thread, of every join and leave in a room that announces them, on every node; once
   * per gateway, at its start.
   */
  void listen(Consumer<PresenceChange> listener);
}
