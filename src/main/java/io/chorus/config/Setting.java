package io.chorus.config;

import java.util.Locale;

/**
 * Every setting Chorus reads, with its default and meaning. The command-line flag ({@code --name}) and the
 * environment variable ({@code CHORUS_NAME}) derive from the name, so the three can never drift apart.
 */
public enum Setting {
  CONFIG("config", "", "Properties file with settings; its keys are the setting names (e.g. port=9000)."),
  HOST("host", "0.0.0.0", "Address the server listens on."),
  PORT("port", "8080", "Port for WebSockets, the chat page, metrics and health."),
  MANAGEMENT_PORT("management-port", null,
      "Port for /metrics and /health/*, away from clients (default: served on the main port)."),
  INSTANCES("instances", null, "Gateway instances, one per event loop (default: the number of CPU cores)."),
  WELCOME_MESSAGE("welcome-message", "Welcome to the chat!", "Text of the welcome message sent to every new connection."),
  MAX_MESSAGE_SIZE("max-message-size", "64KiB", "Largest message a client may send, after reassembling fragments."),
  MAX_CONNECTIONS("max-connections", null,
      "WebSocket connections per node; further upgrades get 503 (default: the open-file limit minus 1024)."),
  MAX_PENDING_OUTPUT("max-pending-output", "1MiB",
      "Output a connection may have waiting to be written; beyond it the slow-consumer policy applies."),
  SLOW_CONSUMER_POLICY("slow-consumer-policy", "disconnect",
      "disconnect: close a connection over max-pending-output with 1008; drop: skip messages for it meanwhile."),
  RATE_LIMIT("rate-limit", "100", "Messages per second a connection may send; 0 turns the limit off."),
  RATE_LIMIT_BURST("rate-limit-burst", "200",
      "Messages a connection may send at once; as many again dropped before it calms down closes it with 1008."),
  ALLOWED_ORIGINS("allowed-origins", "",
      "Comma-separated page origins allowed besides same-host and loopback pages; * allows all, null allows files."),
  PING_INTERVAL("ping-interval", "25s", "How often the server pings each connection."),
  IDLE_TIMEOUT("idle-timeout", "60s", "A connection that sends nothing, not even a pong, for this long is closed."),
  HANDSHAKE_TIMEOUT("handshake-timeout", "10s", "Time a new TCP connection has to send a complete HTTP request."),
  CLOSE_TIMEOUT("close-timeout", "5s", "Time a client has to answer the server's close frame before TCP is closed."),
  DRAIN_PERIOD("drain-period", "10s", "On SIGTERM, connections are closed with 1001 spread evenly over this period.");

  private final String key;
  private final String defaultValue;
  private final String description;

  Setting(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  public String key() {
    return key;
  }

  public String flag() {
    return "--" + key;
  }

  public String env() {
    return "CHORUS_" + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  /** The default as text, or {@code null} when it is computed at start (the description says how). */
  public String defaultValue() {
    return defaultValue;
  }

  public String description() {
    return description;
  }
}
