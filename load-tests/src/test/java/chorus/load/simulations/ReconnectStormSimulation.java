package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.scenarios.ChatScenarios;
import io.gatling.javaapi.core.Simulation;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Users connect over {@code rampSeconds}, all stay connected for {@code durationSeconds}, then at one
 * instant every user closes its socket and reconnects. Gate: every user is welcomed back within
 * {@code reconnectWithinMs} of starting to reconnect (the {@code rejoin} group: handshake plus
 * welcome), and a message on the new socket comes back.
 */
public class ReconnectStormSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(1000)
      .withTiming(20, 10)
      .withTraffic(1.0, 128, 50);

  /** Epoch milliseconds at which the injection starts; set in {@link #before()}. */
  private final AtomicLong start = new AtomicLong();

  public ReconnectStormSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    long stormOffsetMillis = 1000L * (parameters.rampSeconds() + parameters.durationSeconds());
    setUp(ChatScenarios.reconnectStorm(RunSetup.chains(parameters), parameters,
            () -> start.get() + stormOffsetMillis)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        .maxDuration(parameters.maxRunTime())
        .assertions(RunSetup.gate(parameters,
            RunSetup.everyUser(parameters, ChatScenarios.WELCOME),
            RunSetup.everyUser(parameters, ChatScenarios.REJOIN, ChatScenarios.WELCOME_BACK),
            RunSetup.everyUser(parameters, ChatScenarios.AFTER_RECONNECT),
            details(ChatScenarios.REJOIN).responseTime().max().lt(parameters.reconnectWithinMs())));
  }

  @Override
  public void before() {
    start.set(System.currentTimeMillis());
  }
}
