package chorus.load.simulations;

import chorus.load.LoadParameters;

/**
 * The CI gate ({@code load-tests/smoke.sh}): about 15 s, a few tens of users in two rooms, every
 * check of the chat and many-rooms simulations on. Small enough to share two cores with the server.
 */
public class SmokeSimulation extends ChatTrafficSimulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(20)
      .withTiming(3, 12)
      .withTraffic(2.0, 256, 2);

  public SmokeSimulation() {
    super("smoke", DEFAULTS);
  }
}
