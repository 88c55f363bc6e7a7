package io.chorus.security;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's budget for incomplete client input, shared by every gateway: the bytes connections hold for messages
 * and frames that have not arrived whole yet (reassembly buffers on the heap, partial frames in direct memory).
 * Without it each connection may hold a whole maximum-size message, and enough connections exhaust the heap or
 * direct memory and take every client down with them. Connections report only changes of what they hold, so a
 * client whose frames arrive whole costs it nothing.
 */
public final class InputBudget {

  private final long max;
  private final AtomicLong held = new AtomicLong();

  public InputBudget(long max) {
    this.max = max;
  }

  /**
   * The default: a quarter of the smaller of the maximum heap and Netty's direct-memory limit. Incomplete input lives
   * in either (reassembly on the heap, partial frames in direct memory) and the budget must fit the smaller; the
   * other three quarters stay for what serves every client: pending output (up to max-pending-output per
   * connection), the pools broadcasts are encoded in, the connections themselves. With the JVM's default direct
   * limit (the maximum heap), a 512 MiB heap allows 128 MiB: 2,048 connections each holding a 64 KiB message.
   */
  public static long defaultFor(long maxHeap, long maxDirectMemory) {
    return Math.min(maxHeap, maxDirectMemory) / 4;
  }

  /**
   * Counts a change in what one connection holds.
   *
   * @param delta bytes more (or, negative, fewer) held than before
   * @return how many bytes the node now holds beyond the budget; zero or less while within it
   */
  public long add(long delta) {
    return held.addAndGet(delta) - max;
  }

  public long held() {
    return held.get();
  }

  public long max() {
    return max;
  }
}
