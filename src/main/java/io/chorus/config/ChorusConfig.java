package io.chorus.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The immutable configuration of one Chorus process, validated once at start.
 *
 * @param host           address to listen on
 * @param port           port for WebSockets and the chat page
 * @param managementPort port for metrics and health; empty when the operator asked for them on the main port
 * @param instances      gateway instances, one per event loop
 * @param welcomeMessage text of the welcome message
 * @param limits         what one client may cost
 * @param timeouts       how long the server waits
 * @param retention      how much of each room's past a node keeps
 * @param allowedOrigins page origins allowed besides same-host and loopback pages, lower case; may hold * and null
 * @param cluster        clustering, when enabled
 * @param presenceRooms  rooms whose joins and leaves are pushed to their subscribers
 * @param authentication how connections prove who they are, and what they may do
 * @param tls            TLS on the ports, when a certificate is configured
 * @param maxTcpConnections TCP connections the client port keeps open at most: WebSockets plus room for plain HTTP
 *                       and refused upgrades, below the open-file limit so that accepting never runs out of
 *                       descriptors
 * @param apiKeys        the file of API keys the HTTP API asks for; empty when the API is open
 * @param compression    permessage-deflate for WebSocket clients that offer it
 */
public record ChorusConfig(
    String host,
    int port,
    OptionalInt managementPort,
    int instances,
    String welcomeMessage,
    Limits limits,
    Timeouts timeouts,
    Retention retention,
    Set<String> allowedOrigins,
    Cluster cluster,
    RoomPatterns presenceRooms,
    Authentication authentication,
    Tls tls,
    int maxTcpConnections,
    Optional<Path> apiKeys,
    Compression compression) {

  /**
   * Descriptors kept free below the open-file limit: half for plain HTTP and refused upgrades (the TCP budget above
   * max-connections), half for the JVM's own files, sockets and epoll (about 60 here, more when clustered). A server
   * that runs out of descriptors while accepting may stop accepting for good.
   */
  private static final int DESCRIPTOR_HEADROOM = 512;
  /** The management-port value that serves metrics and health on the client port, as before there was a default. */
  private static final String MAIN_PORT = "main";
  private static final Pattern ORIGIN = Pattern.compile("https?://[a-z0-9.\\-\\[\\]:]+");
  private static final Pattern MEMBER = Pattern.compile("[A-Za-z0-9.\\-]+:\\d{1,5}");
  /** A room name (see RoomName), optionally followed by * to name every room it begins. */
  private static final Pattern ROOM_PATTERN = Pattern.compile("[A-Za-z0-9._-]{0,64}\\*|[A-Za-z0-9._-]{1,64}");

  static ChorusConfig from(Settings settings, long openFileLimit) throws ConfigException {
    String host = settings.text(Setting.HOST).trim();
    if (host.isEmpty()) {
      settings.reject(Setting.HOST, "is empty");
    }
    int instances = settings.isSet(Setting.INSTANCES)
        ? settings.integer(Setting.INSTANCES, 1, 1024)
        : Runtime.getRuntime().availableProcessors();
    int port = settings.integer(Setting.PORT, 0, 65535);
    String management = settings.text(Setting.MANAGEMENT_PORT).trim();
    if (!management.equals(MAIN_PORT) && !management.chars().allMatch(Character::isDigit)) {
      settings.reject(Setting.MANAGEMENT_PORT, "is neither a port number nor " + MAIN_PORT);
    }
    OptionalInt managementPort = management.equals(MAIN_PORT)
        ? OptionalInt.empty()
        : OptionalInt.of(settings.integer(Setting.MANAGEMENT_PORT, 0, 65535));
    if (managementPort.isPresent() && port != 0 && managementPort.getAsInt() == port) {
      settings.reject(Setting.MANAGEMENT_PORT, "must differ from port " + port);
    }
    int headroom = (int) Math.min(DESCRIPTOR_HEADROOM, openFileLimit / 2);
    int connectionCeiling = (int) Math.min(Integer.MAX_VALUE - headroom, openFileLimit - headroom);
    int maxConnections = settings.isSet(Setting.MAX_CONNECTIONS)
        ? settings.integer(Setting.MAX_CONNECTIONS, 1, Integer.MAX_VALUE)
        : connectionCeiling;
    if (maxConnections > connectionCeiling) {
      settings.reject(Setting.MAX_CONNECTIONS, "needs more descriptors than the open-file limit of "
          + openFileLimit + " leaves (at most " + connectionCeiling + "); raise ulimit -n or lower it");
    }
    ChorusConfig config = new ChorusConfig(
        host,
        port,
        managementPort,
        instances,
        settings.text(Setting.WELCOME_MESSAGE),
        limits(settings, maxConnections),
        timeouts(settings),
        retention(settings),
        allowedOrigins(settings),
        cluster(settings),
        roomPatterns(settings, Setting.PRESENCE_ROOMS),
        Authentication.from(settings),
        tls(settings, managementPort),
        maxConnections + headroom / 2,
        apiKeys(settings),
        new Compression(settings.bool(Setting.COMPRESSION),
            (int) settings.size(Setting.COMPRESSION_MIN_SIZE, 0, 64L << 20)));
    settings.check();
    return config;
  }

  private static Limits limits(Settings settings, int maxConnections) {
    String policy = settings.text(Setting.SLOW_CONSUMER_POLICY).trim().toUpperCase(Locale.ROOT);
    boolean known = Arrays.stream(SlowConsumerPolicy.values()).anyMatch(p -> p.name().equals(policy));
    if (!known) {
      settings.reject(Setting.SLOW_CONSUMER_POLICY, "is neither disconnect nor drop");
    }
    return new Limits(
        (int) settings.size(Setting.MAX_MESSAGE_SIZE, 1, 64L << 20),
        maxConnections,
        settings.isSet(Setting.MAX_INCOMPLETE_INPUT)
            ? OptionalLong.of(settings.size(Setting.MAX_INCOMPLETE_INPUT, 64L << 10, 1L << 40))
            : OptionalLong.empty(),
        (int) settings.size(Setting.MAX_PENDING_OUTPUT, 4096, 1L << 30),
        known ? SlowConsumerPolicy.valueOf(policy) : SlowConsumerPolicy.DISCONNECT,
        settings.integer(Setting.RATE_LIMIT, 0, 1_000_000),
        settings.integer(Setting.RATE_LIMIT_BURST, 1, 1_000_000),
        settings.integer(Setting.MAX_ROOMS_PER_CONNECTION, 1, 100_000));
  }

  private static Timeouts timeouts(Settings settings) {
    Duration pingInterval = settings.duration(Setting.PING_INTERVAL, Duration.ofMillis(10), Duration.ofHours(1));
    Duration idleTimeout = settings.duration(Setting.IDLE_TIMEOUT, Duration.ofMillis(10), Duration.ofHours(2));
    if (idleTimeout.compareTo(pingInterval) <= 0) {
      settings.reject(Setting.IDLE_TIMEOUT,
          "must be longer than ping-interval (" + pingInterval.toMillis() + "ms), or live clients would be closed");
    }
    // A proxy that lets a connection be quiet for ping-interval lets a held poll be quiet as long.
    Duration pollTimeout = settings.isSet(Setting.POLL_TIMEOUT)
        ? settings.duration(Setting.POLL_TIMEOUT, Duration.ofMillis(1), Duration.ofHours(2))
        : pingInterval;
    // Unset, it is ping-interval, which idle-timeout exceeds or was rejected above.
    if (settings.isSet(Setting.POLL_TIMEOUT) && pollTimeout.compareTo(idleTimeout) >= 0) {
      // A held poll's connection is silent both ways, and Vert.x closes an HTTP connection silent for idle-timeout.
      settings.reject(Setting.POLL_TIMEOUT, "must be shorter than idle-timeout (" + idleTimeout.toMillis()
          + "ms), which closes a connection silent that long, a held poll's included");
    }
    return new Timeouts(
        settings.duration(Setting.WRITE_DELAY, Duration.ZERO, Duration.ofSeconds(1)),
        pingInterval,
        idleTimeout,
        pollTimeout,
        settings.duration(Setting.HANDSHAKE_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(10)),
        settings.duration(Setting.CLOSE_TIMEOUT, Duration.ofMillis(10), Duration.ofMinutes(10)),
        settings.duration(Setting.DRAIN_PERIOD, Duration.ZERO, Duration.ofHours(1)));
  }

  private static Retention retention(Settings settings) {
    return new Retention(
        settings.integer(Setting.HISTORY_SIZE, 0, 100_000),
        settings.duration(Setting.HISTORY_TTL, Duration.ofSeconds(1), Duration.ofDays(30)),
        settings.integer(Setting.MAX_HISTORY_ROOMS, 1, 10_000_000),
        settings.isSet(Setting.MAX_HISTORY_MEMORY)
            ? OptionalLong.of(settings.size(Setting.MAX_HISTORY_MEMORY, 0, 1L << 40))
            : OptionalLong.empty());
  }

  private static Cluster cluster(Settings settings) {
    String host = settings.text(Setting.CLUSTER_HOST).trim();
    List<String> members = Arrays.stream(settings.text(Setting.CLUSTER_MEMBERS).split(","))
        .map(String::trim)
        .filter(member -> !member.isEmpty())
        .toList();
    for (String member : members) {
      // Hazelcast takes host:port-port ranges in its own syntax but fails on them here; list every member.
      if (!MEMBER.matcher(member).matches()) {
        settings.reject(Setting.CLUSTER_MEMBERS, "has '" + member + "', which is not host:port");
      }
    }
    String service = settings.text(Setting.CLUSTER_K8S_SERVICE).trim();
    if (!members.isEmpty() && !service.isEmpty()) {
      settings.reject(Setting.CLUSTER_K8S_SERVICE, "and cluster-members are both set; use one discovery");
    }
    String eventBusHost = settings.isSet(Setting.EVENTBUS_HOST) ? settings.text(Setting.EVENTBUS_HOST).trim() : host;
    return new Cluster(
        settings.bool(Setting.CLUSTER),
        settings.text(Setting.CLUSTER_NAME).trim(),
        host,
        settings.integer(Setting.CLUSTER_PORT, 1, 65535),
        members,
        service.isEmpty() ? Optional.empty() : Optional.of(service),
        settings.duration(Setting.CLUSTER_FAILURE_TIMEOUT, Duration.ofSeconds(3), Duration.ofMinutes(5)),
        eventBusHost,
        settings.integer(Setting.EVENTBUS_PORT, 0, 65535),
        settings.isSet(Setting.EVENTBUS_PUBLIC_HOST) ? settings.text(Setting.EVENTBUS_PUBLIC_HOST).trim() : eventBusHost);
  }

  private static Optional<Path> apiKeys(Settings settings) {
    String file = settings.text(Setting.API_KEYS).trim();
    try {
      return file.isEmpty() ? Optional.empty() : Optional.of(Path.of(file));
    } catch (InvalidPathException e) {
      settings.reject(Setting.API_KEYS, "is not a file name");
      return Optional.empty();
    }
  }

  private static RoomPatterns roomPatterns(Settings settings, Setting setting) {
    Set<String> names = new HashSet<>();
    List<String> prefixes = new ArrayList<>();
    for (String pattern : settings.text(setting).split(",")) {
      String trimmed = pattern.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      if (!ROOM_PATTERN.matcher(trimmed).matches()) {
        settings.reject(setting, "has '" + trimmed + "', which is neither a room name nor a prefix ending in *");
      } else if (trimmed.endsWith("*")) {
        prefixes.add(trimmed.substring(0, trimmed.length() - 1));
      } else {
        names.add(trimmed);
      }
    }
    return new RoomPatterns(Set.copyOf(names), List.copyOf(prefixes));
  }

  private static Tls tls(Settings settings, OptionalInt managementPort) {
    boolean certificateNamed = named(settings, Setting.TLS_CERT);
    boolean keyNamed = named(settings, Setting.TLS_KEY);
    boolean keystoreNamed = named(settings, Setting.TLS_KEYSTORE);
    if (keystoreNamed && (certificateNamed || keyNamed)) {
      settings.reject(Setting.TLS_KEYSTORE, "and tls-cert/tls-key are both set; use one");
    }
    if (certificateNamed != keyNamed) {
      Setting missing = certificateNamed ? Setting.TLS_KEY : Setting.TLS_CERT;
      settings.reject(certificateNamed ? Setting.TLS_CERT : Setting.TLS_KEY, "needs " + missing.key() + " too");
    }
    Optional<Path> certificate = file(settings, Setting.TLS_CERT);
    Optional<Path> key = file(settings, Setting.TLS_KEY);
    Optional<Tls.KeyMaterial> keyMaterial = file(settings, Setting.TLS_KEYSTORE)
        .<Tls.KeyMaterial>map(keystore -> new Tls.Pkcs12(keystore, settings.text(Setting.TLS_KEYSTORE_PASSWORD)))
        .or(() -> certificate.flatMap(cert -> key.map(privateKey -> new Tls.Pem(cert, privateKey))));
    boolean management = settings.bool(Setting.MANAGEMENT_TLS);
    if (management && !keystoreNamed && !certificateNamed) {
      settings.reject(Setting.MANAGEMENT_TLS, "needs tls-cert and tls-key, or tls-keystore");
    }
    if (management && managementPort.isEmpty()) {
      settings.reject(Setting.MANAGEMENT_TLS,
          "needs a management port of its own; on the main port, metrics and health follow its TLS");
    }
    return new Tls(keyMaterial, management,
        settings.duration(Setting.TLS_RELOAD_INTERVAL, Duration.ZERO, Duration.ofHours(24)));
  }

  private static boolean named(Settings settings, Setting file) {
    return !settings.text(file).trim().isEmpty();
  }

  /** A file the server reads at start: named and readable now, or rejected. */
  private static Optional<Path> file(Settings settings, Setting setting) {
    String name = settings.text(setting).trim();
    if (name.isEmpty()) {
      return Optional.empty();
    }
    Path path = Path.of(name);
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      settings.reject(setting, Files.exists(path) ? "is not a readable file" : "does not exist");
      return Optional.empty();
    }
    return Optional.of(path);
  }

  private static Set<String> allowedOrigins(Settings settings) {
    Set<String> origins = Arrays.stream(settings.text(Setting.ALLOWED_ORIGINS).split(","))
        .map(origin -> origin.trim().toLowerCase(Locale.ROOT))
        .map(origin -> origin.endsWith("/") ? origin.substring(0, origin.length() - 1) : origin)
        .filter(origin -> !origin.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
    for (String origin : origins) {
      if (!origin.equals("*") && !origin.equals("null") && !ORIGIN.matcher(origin).matches()) {
        settings.reject(Setting.ALLOWED_ORIGINS,
            "has '" + origin + "', which is not *, null or an origin such as https://chat.example.com");
      }
    }
    return origins;
  }
}
