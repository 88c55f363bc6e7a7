package io.chorus.hub;

import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The count of this node alone: the sum over its hubs, each read from the calling thread (see
 * {@link Hub#subscribers}), so that no event loop is asked for anything and a stalled one cannot delay the answer.
 */
public final class LocalCensus implements Census {

  /** Written once per gateway at start, read on every count. */
  private final List<Hub> hubs = new CopyOnWriteArrayList<>();

  @Override
  public void add(Hub hub) {
    hubs.add(hub);
  }

  /** The node's subscribers in the room; any thread. */
  public int count(String room) {
    int count = 0;
    for (Hub hub : hubs) {
      count += hub.subscribers(room);
    }
    return count;
  }

  @Override
  public Future<Integer> subscribers(String room) {
    return Future.succeededFuture(count(room));
  }
}
