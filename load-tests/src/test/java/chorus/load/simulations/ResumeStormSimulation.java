package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import chorus.load.chains.StructuredChains;
import chorus.load.scenarios.StructuredScenarios;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * chorus.v1 under a reconnect storm: users connect offering the sub-protocol over {@code rampSeconds},
 * subscribe, publish with acks until {@code rampSeconds + durationSeconds}, then all close at once and
 * resume with {@code since}. Gate: every user subscribed and came back with {@code "recovered":true}
 * within {@code reconnectWithinMs}; no room sequence number skipped or repeated and no gap push
 * ({@code room sequence} only ever fails) and no message ahead of a reply ({@code reply order}); p99 of ack,
 * round trip and fan-out under {@code p99Ms}.
 *
 * <p>Recovery needs the messages a user missed to be still in the room's history (default 100 per
 * room): keep users per room x messagesPerSecond x the storm's length well below it.
 */
public class ResumeStormSimulation extends Simulation {

  private static final LoadParameters DEFAULTS = LoadParameters.defaults()
      .withUsers(1000)
      .withTiming(20, 10)
      .withTraffic(1.0, 128, 50);

  /** Epoch milliseconds at which the injection starts; set in {@link #before()}. */
  private final AtomicLong start = new AtomicLong();

  public ResumeStormSimulation() {
    LoadParameters parameters = RunSetup.parameters(getClass(), DEFAULTS);
    long stormOffsetMillis = 1000L * (parameters.rampSeconds() + parameters.durationSeconds());
    StructuredChains chains = new StructuredChains(parameters, RunSetup.roomPrefix());
    setUp(StructuredScenarios.resumeStorm(chains, parameters, () -> start.get() + stormOffsetMillis)
        .injectOpen(rampUsers(parameters.users()).during(parameters.rampSeconds())))
        .protocols(RunSetup.protocol(parameters))
        // Two chat phases, one before and one after the storm, and the storm itself.
        .maxDuration(parameters.maxRunTime()
            .plusSeconds(parameters.durationSeconds())
            .plus(Duration.ofMillis(parameters.reconnectWithinMs())))
        .assertions(RunSetup.gate(parameters,
            RunSetup.everyUser(parameters, StructuredScenarios.WELCOME),
            RunSetup.everyUser(parameters, StructuredScenarios.SUBSCRIBE),
            RunSetup.everyUser(parameters, StructuredScenarios.REJOIN, StructuredScenarios.WELCOME_BACK),
            RunSetup.everyUser(parameters, StructuredScenarios.REJOIN, StructuredScenarios.RESUME),
            details(StructuredScenarios.REJOIN).responseTime().max().lt(parameters.reconnectWithinMs()),
            RunSetup.p99(parameters, StructuredChains.ACK),
            RunSetup.p99(parameters, StructuredScenarios.ROUND_TRIP),
            RunSetup.p99(parameters, ChatChains.FAN_OUT),
            RunSetup.fanOutSeen()));
  }

  @Override
  public void before() {
    start.set(System.currentTimeMillis());
  }
}
