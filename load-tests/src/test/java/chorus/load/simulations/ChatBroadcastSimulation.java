package chorus.load.simulations;

import chorus.load.LoadParameters;

/**
 * Users in one room each send a message per second and wait for it to come back, while all receive
 * everyone's messages: the broadcast round trip and the fan-out latency under steady chat traffic.
 */
public class ChatBroadcastSimulation extends ChatTrafficSimulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(100)
      .withTiming(10, 60)
      .withTraffic(1.0, 256, 1);

  public ChatBroadcastSimulation() {
    super("chat broadcast", DEFAULTS);
  }
}
