package io.chorus.hub;

/** Runs a hub's flush task later on its event loop. */
@FunctionalInterface
public interface FlushScheduler {

  /**
   * @param flush      the task
   * @param delayNanos how long it should wait at least: 0 for the end of the current event-loop turn
   */
  void schedule(Runnable flush, long delayNanos);
}
