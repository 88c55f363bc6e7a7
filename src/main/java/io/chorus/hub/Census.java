package io.chorus.hub;

import io.vertx.core.Future;

/**
 * How many connections are in a room, counted where they joined it (a hub's room), so that every transport counts
 * alike: WebSockets in either protocol, SSE streams, and whatever else joins rooms through a hub.
 */
public interface Census {

  /** A gateway's hub, counted from now on; once per gateway, at its start. */
  void add(Hub hub);

  /**
   * The room's subscribers: on this node standalone, on every node of the cluster when clustered. May complete on
   * any thread; fails when the count cannot be had in time.
   */
  Future<Integer> subscribers(String room);
}
