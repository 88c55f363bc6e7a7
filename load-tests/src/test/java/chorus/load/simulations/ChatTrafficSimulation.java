package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;

/**
 * Steady chat traffic with its gate: the shape shared by the chat, many-rooms and smoke simulations, which differ
 * only in their default parameters.
 */
abstract class ChatTrafficSimulation extends Simulation {

  ChatTrafficSimulation(String scenarioName, LoadParameters defaults) {
    LoadParameters parameters = RunSetup.parameters(getClass(), defaults);
    ChatChains chains = RunSetup.chains(parameters);
    setUp(ChatScenarios.chat(scenarioName, chains, parameters)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.p99(parameters, ChatScenarios.ROUND_TRIP),
            RunSetup.p99(parameters, ChatChains.FAN_OUT),
            RunSetup.fanOutSeen()));
  }
}
