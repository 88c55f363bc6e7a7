package io.chorus.config;

import java.util.OptionalInt;

/**
 * The immutable configuration of one Chorus process, validated once at start.
 *
 * @param host           address to listen on
 * @param port           port for WebSockets and the chat page, and for metrics and health unless managementPort is set
 * @param managementPort separate port for metrics and health, if any
 * @param instances      gateway instances, one per event loop
 * @param welcomeMessage text of the welcome message
 * @param maxMessageSize largest client message in bytes, fragments reassembled
 */
public record ChorusConfig(
    String host,
    int port,
    OptionalInt managementPort,
    int instances,
    String welcomeMessage,
    int maxMessageSize) {

  static ChorusConfig from(Settings settings) throws ConfigException {
    String host = settings.text(Setting.HOST).trim();
    if (host.isEmpty()) {
      throw settings.invalid(Setting.HOST, "is empty");
    }
    int instances = settings.isSet(Setting.INSTANCES)
        ? settings.integer(Setting.INSTANCES, 1, 1024)
        : Runtime.getRuntime().availableProcessors();
    int port = settings.integer(Setting.PORT, 0, 65535);
    OptionalInt managementPort = settings.isSet(Setting.MANAGEMENT_PORT)
        ? OptionalInt.of(settings.integer(Setting.MANAGEMENT_PORT, 0, 65535))
        : OptionalInt.empty();
    if (managementPort.isPresent() && port != 0 && managementPort.getAsInt() == port) {
      throw settings.invalid(Setting.MANAGEMENT_PORT, "must differ from port " + port);
    }
    return new ChorusConfig(
        host,
        port,
        managementPort,
        instances,
        settings.text(Setting.WELCOME_MESSAGE),
        (int) settings.size(Setting.MAX_MESSAGE_SIZE, 1, 64L << 20));
  }
}
