package chorus.load.scenarios;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exitHereIfFailed;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import chorus.load.LoadParameters;
import chorus.load.chains.StructuredChains;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.function.LongSupplier;

/** What one chorus.v1 virtual user does, built from {@link StructuredChains}. */
public final class StructuredScenarios {

  public static final String CONNECT = ChatScenarios.CONNECT;
  public static final String WELCOME = ChatScenarios.WELCOME;
  public static final String SUBSCRIBE = "subscribe";
  public static final String ROUND_TRIP = ChatScenarios.ROUND_TRIP;
  public static final String RECONNECT = ChatScenarios.RECONNECT;
  public static final String WELCOME_BACK = ChatScenarios.WELCOME_BACK;
  /** Group around the way back: handshake, welcome, and the resume's reply. */
  public static final String REJOIN = ChatScenarios.REJOIN;
  public static final String RESUME = "resume";

  private StructuredScenarios() {
  }

  /**
   * Connects offering chorus.v1, subscribes, and publishes one message every {@code 1/messagesPerSecond}
   * seconds until the storm instant shared by all users. Then every user publishes one last message and at
   * once closes its socket, without waiting for anything, reconnects and resumes from the last message it
   * accounted for: the group {@value #REJOIN} must end within {@code reconnectWithinMs} with
   * {@code "recovered":true}. Since the whole room publishes at that instant, every user leaves with
   * messages still on their way and must get them from history (recorded as {@code replayed}). Everyone
   * then publishes for another {@code durationSeconds} and waits for its last messages and acks.
   *
   * @param stormAt epoch milliseconds of the storm, read when a user reaches that point
   */
  public static ScenarioBuilder resumeStorm(StructuredChains chains, LoadParameters parameters, LongSupplier stormAt) {
    Duration interval = parameters.messageInterval();
    Duration within = Duration.ofMillis(parameters.reconnectWithinMs());
    return scenario("chorus.v1 resume storm")
        .exec(chains.attachRecorder())
        .exec(chains.joinRoom())
        .exec(chains.connect(CONNECT, WELCOME, parameters.timeout()))
        .exec(exitHereIfFailed())
        .exec(chains.subscribe(SUBSCRIBE))
        .exec(exitHereIfFailed())
        .exec(asLongAs(session -> System.currentTimeMillis() + interval.toMillis() < stormAt.getAsLong()).on(
            pace(interval)
                .exec(chains.publish(ROUND_TRIP))))
        .exec(pause(session -> Duration.ofMillis(Math.max(0, stormAt.getAsLong() - System.currentTimeMillis()))))
        .exec(chains.publish(ROUND_TRIP))
        .exec(chains.close())
        .group(REJOIN).on(
            chains.connect(RECONNECT, WELCOME_BACK, within)
                .exec(exitHereIfFailed())
                .exec(chains.resume(RESUME, within)))
        .exec(exitHereIfFailed())
        .exec(during(Duration.ofSeconds(parameters.durationSeconds()), false).on(
            pace(interval)
                .exec(chains.publish(ROUND_TRIP))))
        .exec(chains.awaitOwnMessages())
        .exec(chains.close());
  }
}
