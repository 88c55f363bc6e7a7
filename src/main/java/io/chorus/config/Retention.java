package io.chorus.config;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * How much of each room's past a node keeps, for resuming clients and the {@code history} command.
 *
 * @param historySize     messages kept per room; 0 turns history off (sequence numbers still work)
 * @param historyTtl      how long a message is kept
 * @param maxHistoryRooms rooms whose streams (position and messages) a node keeps; past it the stream published to
 *                        least recently is dropped, and that room starts a new epoch
 * @param maxHistoryMemory bytes of message payload a node keeps in history at most; empty for the default, which
 *                        depends on the maximum heap of the running JVM
 */
public record Retention(int historySize, Duration historyTtl, int maxHistoryRooms, OptionalLong maxHistoryMemory) {

  public boolean historyEnabled() {
    return historySize > 0;
  }
}
