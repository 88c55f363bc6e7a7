package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;

/**
 * Users in one room each send a message per second and wait for it to come back, while all receive
 * everyone's messages: the broadcast round trip and the fan-out latency under steady chat traffic.
 */
public class ChatBroadcastSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(100)
      .withTiming(10, 60)
      .withTraffic(1.0, 256, 1);

  public ChatBroadcastSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    ChatChains chains = RunSetup.chains(parameters);
    setUp(ChatScenarios.chat("chat broadcast", chains, parameters)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.p99(parameters, ChatScenarios.ROUND_TRIP),
            RunSetup.p99(parameters, ChatChains.FAN_OUT),
            RunSetup.fanOutSeen()));
  }
}
