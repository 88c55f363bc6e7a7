package chorus.load.scenarios;

import static io.gatling.javaapi.core.CoreDsl.during;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.exitHereIfFailed;
import static io.gatling.javaapi.core.CoreDsl.pace;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What one virtual user does in each kind of run, built from {@link ChatChains}.
 *
 * <p>The loops run with exitASAP off: by default Gatling cuts a {@code during} loop between any two
 * steps once the time is up, which could note a message as sent and then skip sending it, and the
 * run would report a message that the server never saw as lost. The last iteration finishes instead.
 */
public final class ChatScenarios {

  /** Request names; see {@link ChatChains} for how each is timed. */
  public static final String ROUND_TRIP = "broadcast round trip";
  public static final String HEARTBEAT = "heartbeat";
  public static final String STILL_CONNECTED = "still connected";
  public static final String CONNECT = "connect";
  public static final String WELCOME = "welcome";
  public static final String RECONNECT = "reconnect";
  public static final String WELCOME_BACK = "welcome after reconnect";
  /** Group around the reconnection: its time is the handshake plus the wait for the welcome. */
  public static final String REJOIN = "rejoin";
  public static final String AFTER_RECONNECT = "message after reconnect";

  private ChatScenarios() {
  }

  /**
   * Joins a room and talks: one message every {@code 1/messagesPerSecond} seconds for
   * {@code durationSeconds}. Each must come back within {@code timeoutSeconds}, and every frame of
   * the others is checked for its room and order and timed from its {@code sentAt}.
   */
  public static ScenarioBuilder chat(String name, ChatChains chains, LoadParameters parameters) {
    return scenario(name)
        .exec(chains.attachRecorder())
        .exec(chains.joinRoom())
        .exec(chains.connect(CONNECT, WELCOME))
        .exec(exitHereIfFailed())
        .exec(during(Duration.ofSeconds(parameters.durationSeconds()), false).on(
            pace(parameters.messageInterval())
                .exec(chains.say(ROUND_TRIP))))
        .exec(chains.awaitOwnMessages())
        .exec(chains.close());
  }

  /**
   * Joins a room and stays mostly idle for {@code durationSeconds}, sending a heartbeat every
   * {@code 1/messagesPerSecond} seconds (the server closes sockets silent for 60 s; the pings it
   * sends every 25 s are answered by Gatling's client). At the end one last message must come back
   * on the same socket: a connection that was dropped on the way fails that check.
   */
  public static ScenarioBuilder soak(ChatChains chains, LoadParameters parameters) {
    return scenario("connection soak")
        .exec(chains.attachRecorder())
        .exec(chains.joinRoom())
        .exec(chains.connect(CONNECT, WELCOME))
        .exec(exitHereIfFailed())
        .exec(during(Duration.ofSeconds(parameters.durationSeconds()), false).on(
            pace(parameters.messageInterval())
                .exec(chains.say(HEARTBEAT))))
        .exec(chains.say(STILL_CONNECTED))
        .exec(chains.awaitOwnMessages())
        .exec(chains.close());
  }

  /**
   * Connects, waits for the storm instant shared by all users, closes and at once reconnects: the
   * group {@value #REJOIN} (handshake plus welcome) must end within {@code reconnectWithinMs}, and a
   * message sent on the new socket must come back (the server has really put the user back in its room).
   *
   * @param stormAt epoch milliseconds of the storm, read when a user reaches that point
   */
  public static ScenarioBuilder reconnectStorm(ChatChains chains, LoadParameters parameters, LongSupplier stormAt) {
    return scenario("reconnect storm")
        .exec(chains.attachRecorder())
        .exec(chains.joinRoom())
        .exec(chains.connect(CONNECT, WELCOME))
        .exec(exitHereIfFailed())
        .exec(pause(session -> Duration.ofMillis(Math.max(0, stormAt.getAsLong() - System.currentTimeMillis()))))
        .exec(chains.close())
        .group(REJOIN).on(
            chains.connect(RECONNECT, WELCOME_BACK, Duration.ofMillis(parameters.reconnectWithinMs())))
        .exec(exitHereIfFailed())
        .exec(chains.say(AFTER_RECONNECT))
        .exec(chains.awaitOwnMessages())
        .exec(chains.close());
  }
}
