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
  MAX_MESSAGE_SIZE("max-message-size", "64KiB", "Largest message a client may send, after reassembling fragments.");

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
