package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;

/**
 * Users dealt round robin over many rooms, chatting as in {@link ChatBroadcastSimulation}. Every
 * payload names its room, so a frame that crosses rooms is recorded as a failed
 * {@code room isolation} request, which fails the run on its own (the per-name failure gate).
 */
public class ManyRoomsSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(400)
      .withTiming(20, 60)
      .withTraffic(1.0, 256, 40);

  public ManyRoomsSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    ChatChains chains = RunSetup.chains(parameters);
    setUp(ChatScenarios.chat("many rooms", chains, parameters)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.p99(parameters, ChatScenarios.ROUND_TRIP),
            RunSetup.p99(parameters, ChatChains.FAN_OUT),
            RunSetup.fanOutSeen()));
  }
}
