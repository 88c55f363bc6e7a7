package chorus.load.simulations;

import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.forAll;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import chorus.load.LoadParameters;
import chorus.load.chains.ChatChains;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What every simulation does the same way: announce, protocol, rooms, and the gates. */
final class RunSetup {

  private static final Logger LOG = LoggerFactory.getLogger(RunSetup.class);

  private RunSetup() {
  }

  /** Reads the parameters over the simulation's defaults and prints them, so every run says what it ran. */
  static LoadParameters parameters(Class<?> simulation, LoadParameters defaults) {
    LoadParameters parameters = LoadParameters.fromSystemProperties(defaults);
    LOG.info("{} with parameters (override with -Dname=value):{}{}",
        simulation.getSimpleName(), System.lineSeparator(), parameters.describe());
    return parameters;
  }

  static ChatChains chains(LoadParameters parameters) {
    return new ChatChains(parameters, roomPrefix());
  }

  /** Rooms of this run are {@code lt<start time in base 36>-<n>}: no two runs share a room. */
  static String roomPrefix() {
    return "lt" + Long.toString(System.currentTimeMillis(), 36);
  }

  /**
   * Frames of other users wait in Gatling's unmatched-message buffer until the user's next
   * accounting step; a buffer that overflows silently drops the oldest and would look like lost
   * messages. Size it for four times what a room sends between two steps (one message interval plus
   * one timeout), and never below 1000.
   */
  static HttpProtocolBuilder protocol(LoadParameters parameters) {
    double usersPerRoom = Math.ceil((double) parameters.users() / parameters.rooms());
    double secondsBetweenSteps = parameters.messageInterval().toMillis() / 1000.0 + parameters.timeoutSeconds();
    double frames = 4 * usersPerRoom * parameters.messagesPerSecond() * secondsBetweenSteps;
    int bufferSize = (int) Math.min(1_000_000, Math.max(1000, frames));
    return http.wsBaseUrl(parameters.baseUrl()).wsUnmatchedInboundMessageBufferSize(bufferSize);
  }

  /**
   * The gate of a run: failed requests stay under the limit overall and for each request name (so a
   * name that only ever fails, like {@code room isolation}, fails the run on its own), plus the
   * simulation's own assertions. Gatling keeps only the last {@code assertions(...)} call of a
   * setUp, so all of them go through this one list.
   */
  static List<Assertion> gate(LoadParameters parameters, Assertion... specific) {
    List<Assertion> all = new ArrayList<>();
    all.add(global().failedRequests().percent().lte(parameters.maxFailedPercent()));
    all.add(forAll().failedRequests().percent().lte(parameters.maxFailedPercent()));
    all.addAll(List.of(specific));
    return all;
  }

  static Assertion p99(LoadParameters parameters, String requestName) {
    return details(requestName).responseTime().percentile(99.0).lt(parameters.p99Ms());
  }

  /** Every frame was broadcast to the others at least once: a room without fan-out is not tested. */
  static Assertion fanOutSeen() {
    return details(ChatChains.FAN_OUT).successfulRequests().count().gt(0L);
  }

  /** Each user passed the named check (a request name, after its groups if any): nobody was lost on the way. */
  static Assertion everyUser(LoadParameters parameters, String... path) {
    return details(path).successfulRequests().count().is((long) parameters.users());
  }
}
