package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;

/**
 * The CI gate ({@code load-tests/smoke.sh}): about 15 s, a few tens of users in two rooms, every
 * check of the chat and many-rooms simulations on. Small enough to share two cores with the server.
 */
public class SmokeSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(20)
      .withTiming(3, 12)
      .withTraffic(2.0, 256, 2);

  public SmokeSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    ChatChains chains = RunSetup.chains(parameters);
    setUp(ChatScenarios.chat("smoke", chains, parameters)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.p99(parameters, ChatScenarios.ROUND_TRIP),
            RunSetup.p99(parameters, ChatChains.FAN_OUT),
            RunSetup.fanOutSeen()));
  }
}
