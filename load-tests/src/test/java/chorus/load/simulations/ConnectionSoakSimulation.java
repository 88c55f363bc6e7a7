package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;

/**
 * Ramps to many mostly idle connections and holds them: one small heartbeat per user every 20 s
 * (default), spread over many rooms so that the heartbeats do not become a broadcast load of their own.
 * Gate: every user's last message comes back on the socket it opened at the start.
 */
public class ConnectionSoakSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(2000)
      .withTiming(60, 300)
      .withTraffic(0.05, 128, 100);

  public ConnectionSoakSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    setUp(ChatScenarios.soak(RunSetup.chains(parameters), parameters)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.everyUser(parameters, ChatScenarios.WELCOME),
            RunSetup.everyUser(parameters, ChatScenarios.STILL_CONNECTED),
            RunSetup.p99(parameters, ChatScenarios.HEARTBEAT)));
  }
}
