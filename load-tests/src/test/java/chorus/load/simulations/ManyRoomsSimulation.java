package chorus.load.simulations;

import chorus.load.LoadParameters;

/**
 * Users dealt round robin over many rooms, chatting as in {@link ChatBroadcastSimulation}. Every
 * payload names its room, so a frame that crosses rooms is recorded as a failed
 * {@code room isolation} request, which fails the run on its own (the per-name failure gate).
 */
public class ManyRoomsSimulation extends ChatTrafficSimulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(400)
      .withTiming(20, 60)
      .withTraffic(1.0, 256, 40);

  public ManyRoomsSimulation() {
    super("many rooms", DEFAULTS);
  }
}
