package chorus.load;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything a simulation can be told from the command line, read once from system properties
 * ({@code -Dusers=200}) over the defaults that each simulation picks for its own shape.
 * This is the only class that reads system properties.
 *
 * @param baseUrl            server address, {@code ws://host:port} (no path)
 * @param users              virtual users, one WebSocket connection each
 * @param rampSeconds        time over which the users connect
 * @param durationSeconds    how long each user stays after connecting (chat loop, soak hold, storm wait)
 * @param messagesPerSecond  messages each user sends per second (fractions allowed: 0.05 = one per 20 s)
 * @param messageBytes       size of each chat frame in bytes (JSON header plus padding)
 * @param rooms              rooms the users are spread over, round robin
 * @param p99Ms              gate: 99th percentile of the round trip and fan-out latency, milliseconds
 * @param maxFailedPercent   gate: failed requests, percent of all requests and of each request name
 * @param timeoutSeconds     how long a client waits for the welcome or for its own message to come back
 * @param reconnectWithinMs  gate for the reconnect storm: every user must be welcomed again within this
 */
public record LoadParameters(
    String baseUrl,
    int users,
    int rampSeconds,
    int durationSeconds,
    double messagesPerSecond,
    int messageBytes,
    int rooms,
    int p99Ms,
    double maxFailedPercent,
    int timeoutSeconds,
    int reconnectWithinMs) {

  /** Chorus closes frames above 64 KiB with 1009. */
  public static final int MAX_MESSAGE_BYTES = 64 * 1024;
  /** Chorus rate-limits each connection to 100 messages/s (burst 200) and drops the excess. */
  public static final double SERVER_RATE_LIMIT = 100.0;

  public LoadParameters {
    require(baseUrl.startsWith("ws://") || baseUrl.startsWith("wss://"), "baseUrl", "must start with ws:// or wss://");
    require(users > 0, "users", "must be positive");
    require(rampSeconds >= 0, "rampSeconds", "must not be negative");
    require(durationSeconds > 0, "durationSeconds", "must be positive");
    require(messagesPerSecond > 0 && messagesPerSecond < SERVER_RATE_LIMIT, "messagesPerSecond",
        "must be above 0 and below the server's rate limit of " + SERVER_RATE_LIMIT);
    require(messageBytes >= ChatMessage.MIN_BYTES && messageBytes <= MAX_MESSAGE_BYTES, "messageBytes",
        "must be between " + ChatMessage.MIN_BYTES + " and " + MAX_MESSAGE_BYTES);
    require(rooms > 0, "rooms", "must be positive");
    require(p99Ms > 0, "p99Ms", "must be positive");
    require(maxFailedPercent >= 0 && maxFailedPercent <= 100, "maxFailedPercent", "must be within 0..100");
    require(timeoutSeconds > 0, "timeoutSeconds", "must be positive");
    require(reconnectWithinMs > 0, "reconnectWithinMs", "must be positive");
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** The defaults shared by all simulations; each simulation adjusts the ones that shape it. */
  public static LoadParameters defaults() {
    return new LoadParameters("ws://127.0.0.1:8080", 100, 10, 60, 1.0, 256, 1, 500, 1.0, 5, 5000);
  }

  /** Overlays the system properties that are set on {@code defaults}. */
  public static LoadParameters fromSystemProperties(LoadParameters defaults) {
    return new LoadParameters(
        property("baseUrl", defaults.baseUrl, Function.identity()),
        property("users", defaults.users, Integer::valueOf),
        property("rampSeconds", defaults.rampSeconds, Integer::valueOf),
        property("durationSeconds", defaults.durationSeconds, Integer::valueOf),
        property("messagesPerSecond", defaults.messagesPerSecond, Double::valueOf),
        property("messageBytes", defaults.messageBytes, Integer::valueOf),
        property("rooms", defaults.rooms, Integer::valueOf),
        property("p99Ms", defaults.p99Ms, Integer::valueOf),
        property("maxFailedPercent", defaults.maxFailedPercent, Double::valueOf),
        property("timeoutSeconds", defaults.timeoutSeconds, Integer::valueOf),
        property("reconnectWithinMs", defaults.reconnectWithinMs, Integer::valueOf));
  }

  public LoadParameters withUsers(int value) {
    return new LoadParameters(baseUrl, value, rampSeconds, durationSeconds, messagesPerSecond, messageBytes,
        rooms, p99Ms, maxFailedPercent, timeoutSeconds, reconnectWithinMs);
  }

  public LoadParameters withTiming(int ramp, int duration) {
    return new LoadParameters(baseUrl, users, ramp, duration, messagesPerSecond, messageBytes,
        rooms, p99Ms, maxFailedPercent, timeoutSeconds, reconnectWithinMs);
  }

  public LoadParameters withTraffic(double perSecond, int bytes, int roomCount) {
    return new LoadParameters(baseUrl, users, rampSeconds, durationSeconds, perSecond, bytes,
        roomCount, p99Ms, maxFailedPercent, timeoutSeconds, reconnectWithinMs);
  }

  /** Time between two messages of one user. */
  public Duration messageInterval() {
    return Duration.ofNanos(Math.round(1_000_000_000L / messagesPerSecond));
  }

  public Duration timeout() {
    return Duration.ofSeconds(timeoutSeconds);
  }

  /**
   * Upper bound for the whole run, so that a hung server cannot keep the injector alive:
   * ramp, stay, and generous room for the last timeouts and closes.
   */
  public Duration maxRunTime() {
    return Duration.ofSeconds(rampSeconds + durationSeconds + 4L * timeoutSeconds + 30);
  }

  /** The parameters as {@code name=value} lines, for the start of the run's log. */
  public String describe() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("baseUrl", baseUrl);
    values.put("users", users);
    values.put("rampSeconds", rampSeconds);
    values.put("durationSeconds", durationSeconds);
    values.put("messagesPerSecond", messagesPerSecond);
    values.put("messageBytes", messageBytes);
    values.put("rooms", rooms);
    values.put("p99Ms", p99Ms);
    values.put("maxFailedPercent", maxFailedPercent);
    values.put("timeoutSeconds", timeoutSeconds);
    values.put("reconnectWithinMs", reconnectWithinMs);
    StringBuilder text = new StringBuilder();
    values.forEach((name, value) -> text.append(String.format("  -D%s=%s%n", name, value)));
    return text.toString();
  }

  private static <T> T property(String name, T fallback, Function<String, T> parse) {
    String raw = System.getProperty(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      return parse.apply(raw.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + name + "=" + raw + " is not a number", e);
    }
  }

  private static void require(boolean condition, String name, String rule) {
    if (!condition) {
      throw new IllegalArgumentException("-D" + name + " " + rule);
    }
  }
}
