package io.chorus.config;

/**
 * The immutable configuration of one Chorus process, validated once at start.
 *
 * @param host           address to listen on
 * @param port           port for every endpoint
 * @param instances      gateway instances, one per event loop
 * @param welcomeMessage text of the welcome message
 * @param maxMessageSize largest client message in bytes, fragments reassembled
 */
public record ChorusConfig(
    String host,
    int port,
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
    return new ChorusConfig(
        host,
        settings.integer(Setting.PORT, 0, 65535),
        instances,
        settings.text(Setting.WELCOME_MESSAGE),
        (int) settings.size(Setting.MAX_MESSAGE_SIZE, 1, 64L << 20));
  }
}
