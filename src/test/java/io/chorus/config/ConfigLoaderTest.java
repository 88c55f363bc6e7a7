package io.chorus.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigLoaderTest {

  @Test
  void defaultsMatchTheSeedServer() throws Exception {
    ChorusConfig config = ConfigLoader.load(new String[0], Map.of());

    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.instances()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.welcomeMessage()).isEqualTo("Welcome to the chat!");
    assertThat(config.limits().maxMessageSize()).isEqualTo(64 * 1024);
  }

  @Test
  void metricsAndHealthGetTheirOwnPortUnlessTheOperatorAsksForTheMainOne() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).managementPort()).hasValue(9090);
    assertThat(ConfigLoader.load(new String[] {"--management-port", "0"}, Map.of()).managementPort()).hasValue(0);
    assertThat(ConfigLoader.load(new String[0], Map.of("CHORUS_MANAGEMENT_PORT", "main")).managementPort()).isEmpty();

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--port", "9090"}, Map.of()))
        .hasMessageStartingWith("invalid management-port: '9090' must differ from port 9090");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--management-port", "public"}, Map.of()))
        .hasMessageStartingWith("invalid management-port: 'public' is neither a port number nor main");
  }

  @Test
  void limitsAndTimeoutsDefaultToSafeValues() throws Exception {
    ChorusConfig config = ConfigLoader.load(new String[0], Map.of());

    assertThat(config.limits().maxPendingOutput()).isEqualTo(1 << 20);
    assertThat(config.limits().slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DISCONNECT);
    assertThat(config.limits().rateLimit()).isEqualTo(100);
    assertThat(config.limits().rateLimitBurst()).isEqualTo(200);
    assertThat(config.timeouts().writeDelay()).isEqualTo(Duration.ofMillis(1));
    assertThat(config.timeouts().pingInterval()).isEqualTo(Duration.ofSeconds(25));
    assertThat(config.timeouts().idleTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.timeouts().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.timeouts().closeTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.timeouts().drainPeriod()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.timeouts().shutdownBound()).isEqualTo(Duration.ofSeconds(17));
    assertThat(config.allowedOrigins()).isEmpty();
  }

  @Test
  void connectionLimitLeavesHeadroomUnderTheOpenFileLimit() throws Exception {
    long openFiles = ((com.sun.management.UnixOperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
    ChorusConfig config = ConfigLoader.load(new String[0], Map.of());

    long headroom = Math.min(512, openFiles / 2);
    assertThat(config.limits().maxConnections()).isEqualTo(openFiles - headroom);
    assertThat(config.maxTcpConnections()).isLessThan((int) openFiles).isGreaterThan(config.limits().maxConnections());
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--max-connections", Long.toString(openFiles)}, Map.of()))
        .hasMessageContaining("needs more descriptors than the open-file limit");
  }

  @Test
  void incompleteInputBudgetDefaultsToTheMemoryLimitsAndIsCheckedWhenSet() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).limits().maxIncompleteInput()).isEmpty();
    assertThat(ConfigLoader.load(new String[] {"--max-incomplete-input", "16MiB"}, Map.of())
        .limits().maxIncompleteInput()).hasValue(16L << 20);
    assertThat(ConfigLoader.load(new String[0], Map.of("CHORUS_MAX_INCOMPLETE_INPUT", "1GiB"))
        .limits().maxIncompleteInput()).hasValue(1L << 30);

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--max-incomplete-input", "1KiB"}, Map.of()))
        .hasMessageStartingWith("invalid max-incomplete-input: '1KiB' must be between 65536");
  }

  @Test
  void durationsPoliciesAndOriginsAreParsedAndChecked() throws Exception {
    ChorusConfig config = ConfigLoader.load(new String[] {"--ping-interval", "500ms", "--idle-timeout", "2m",
        "--slow-consumer-policy", "DROP", "--allowed-origins", "https://Chat.Example.com/, null ,*"}, Map.of());

    assertThat(config.timeouts().pingInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.timeouts().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.limits().slowConsumerPolicy()).isEqualTo(SlowConsumerPolicy.DROP);
    assertThat(config.allowedOrigins()).containsExactlyInAnyOrder("https://chat.example.com", "null", "*");

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--ping-interval", "30s", "--idle-timeout", "30s"},
        Map.of())).hasMessageStartingWith("invalid idle-timeout: '30s' must be longer than ping-interval");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--drain-period", "10"}, Map.of()))
        .hasMessageStartingWith("invalid drain-period: '10' is not a duration");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--slow-consumer-policy", "block"}, Map.of()))
        .hasMessageStartingWith("invalid slow-consumer-policy: 'block' is neither disconnect nor drop");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--allowed-origins", "example.com"}, Map.of()))
        .hasMessageContaining("'example.com', which is not *, null or an origin");
  }

  @Test
  void clusterIsOffByDefaultAndDerivesEventBusAddressesFromTheClusterHost() throws Exception {
    Cluster standalone = ConfigLoader.load(new String[0], Map.of()).cluster();
    assertThat(standalone.enabled()).isFalse();
    assertThat(standalone.port()).isEqualTo(5701);

    Cluster cluster = ConfigLoader.load(new String[] {"--cluster", "--cluster-members", "10.0.0.1:5701, 10.0.0.2:5701"},
        Map.of("CHORUS_CLUSTER_HOST", "10.0.0.1", "CHORUS_CLUSTER_NAME", "prod")).cluster();
    assertThat(cluster.enabled()).isTrue();
    assertThat(cluster.name()).isEqualTo("prod");
    assertThat(cluster.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(cluster.eventBusHost()).isEqualTo("10.0.0.1");
    assertThat(cluster.eventBusPublicHost()).isEqualTo("10.0.0.1");
    assertThat(cluster.kubernetesService()).isEmpty();

    Cluster kubernetes = ConfigLoader.load(new String[0], Map.of("CHORUS_CLUSTER", "true",
        "CHORUS_CLUSTER_K8S_SERVICE", "chorus-cluster.chorus.svc.cluster.local", "CHORUS_EVENTBUS_PORT", "5710",
        "CHORUS_EVENTBUS_PUBLIC_HOST", "10.1.2.3")).cluster();
    assertThat(kubernetes.kubernetesService()).hasValue("chorus-cluster.chorus.svc.cluster.local");
    assertThat(kubernetes.eventBusPort()).isEqualTo(5710);
    assertThat(kubernetes.eventBusPublicHost()).isEqualTo("10.1.2.3");
  }

  @Test
  void clusterMembersMustBeListedOneByOne() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--cluster-members", "127.0.0.1:5701-5710"}, Map.of()))
        .hasMessageStartingWith("invalid cluster-members: '127.0.0.1:5701-5710' has '127.0.0.1:5701-5710', which is not host:port");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--cluster-members", "a:1", "--cluster-k8s-service", "x"},
        Map.of())).hasMessageContaining("use one discovery");
  }

  @Test
  void flagsBeatEnvironmentWhichBeatsTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.properties");
    Files.writeString(file, "port=7000\nhost=127.0.0.2\nwelcome-message=from the file\ninstances=3\n");

    ChorusConfig config = ConfigLoader.load(
        new String[] {"--config", file.toString(), "--port=9000"},
        Map.of("CHORUS_PORT", "8000", "CHORUS_HOST", "127.0.0.3"));

    assertThat(config.port()).isEqualTo(9000);
    assertThat(config.host()).isEqualTo("127.0.0.3");
    assertThat(config.welcomeMessage()).isEqualTo("from the file");
    assertThat(config.instances()).isEqualTo(3);
  }

  @Test
  void configFileMayComeFromTheEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.properties");
    Files.writeString(file, "max-message-size=1MiB\n");

    ChorusConfig config = ConfigLoader.load(new String[0], Map.of("CHORUS_CONFIG", file.toString()));

    assertThat(config.limits().maxMessageSize()).isEqualTo(1 << 20);
  }

  @Test
  void sizesAcceptUnits() throws Exception {
    assertThat(ConfigLoader.load(new String[] {"--max-message-size", "512"}, Map.of()).limits().maxMessageSize()).isEqualTo(512);
    assertThat(ConfigLoader.load(new String[] {"--max-message-size", "16KiB"}, Map.of()).limits().maxMessageSize())
        .isEqualTo(16384);
  }

  @Test
  void invalidValueNamesTheSettingTheValueAndItsSource() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[0], Map.of("CHORUS_PORT", "eighty")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid port: 'eighty' is not a whole number (from environment variable CHORUS_PORT)");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--port", "70000"}, Map.of()))
        .hasMessage("invalid port: '70000' must be between 0 and 65535 (from option --port)");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--max-message-size", "lots"}, Map.of()))
        .hasMessageStartingWith("invalid max-message-size: 'lots' is not a size");
  }

  @Test
  void unknownOptionAndMissingValueAreErrors() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--prot", "80"}, Map.of()))
        .hasMessage("unknown option --prot (did you mean --port? see --help)");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--listen", "80"}, Map.of()))
        .hasMessage("unknown option --listen (see --help)");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--port"}, Map.of()))
        .hasMessage("option --port needs a value");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"8080"}, Map.of()))
        .hasMessageStartingWith("unexpected argument '8080'");
  }

  @Test
  void unknownKeyInTheFileIsAnErrorButUnknownEnvironmentVariablesAreIgnored(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.properties");
    Files.writeString(file, "prot=80\n");

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", file.toString()}, Map.of()))
        .hasMessageStartingWith("unknown setting 'prot' in config file");
    // Kubernetes injects CHORUS_SERVICE_HOST and the like for a Service named chorus.
    assertThat(ConfigLoader.load(new String[0], Map.of("CHORUS_SERVICE_HOST", "10.0.0.1")).port()).isEqualTo(8080);
  }

  @Test
  void pollTimeoutDefaultsToThePingIntervalAndMustBeShorterThanTheIdleTimeout() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).timeouts().pollTimeout()).isEqualTo(Duration.ofSeconds(25));
    assertThat(ConfigLoader.load(new String[] {"--ping-interval", "100ms", "--idle-timeout", "400ms"}, Map.of())
        .timeouts().pollTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(ConfigLoader.load(new String[] {"--poll-timeout", "50s"}, Map.of()).timeouts().pollTimeout())
        .isEqualTo(Duration.ofSeconds(50));

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--poll-timeout", "60s"}, Map.of()))
        .hasMessageStartingWith("invalid poll-timeout: '60s' must be shorter than idle-timeout (60000ms)");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--poll-timeout", "0ms"}, Map.of()))
        .hasMessageStartingWith("invalid poll-timeout: '0ms' must be between 1ms");
  }

  @Test
  void presenceRoomsAreNamesOrPrefixesAndNoneByDefault() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).presenceRooms().matches("lobby")).isFalse();
    RoomPatterns rooms = ConfigLoader.load(new String[] {"--presence-rooms", "lobby, team-*"}, Map.of()).presenceRooms();
    assertThat(rooms.matches("lobby")).isTrue();
    assertThat(rooms.matches("lobby2")).isFalse();
    assertThat(rooms.matches("team-red")).isTrue();
    assertThat(rooms.matches("team")).isFalse();
    assertThat(ConfigLoader.load(new String[] {"--presence-rooms", "*"}, Map.of()).presenceRooms().matches("any"))
        .isTrue();

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--presence-rooms", "lobby,te*am"}, Map.of()))
        .hasMessageStartingWith("invalid presence-rooms: 'lobby,te*am' has 'te*am', which is neither a room name");
  }

  @Test
  void tlsIsOffByDefaultAndNeedsItsFilesInPairs(@TempDir Path folder) throws Exception {
    Path certificate = Files.writeString(folder.resolve("tls.crt"), "certificate");
    Path key = Files.writeString(folder.resolve("tls.key"), "key");
    Path keystore = Files.writeString(folder.resolve("chorus.p12"), "keystore");
    assertThat(ConfigLoader.load(new String[0], Map.of()).tls().enabled()).isFalse();

    Tls pem = ConfigLoader.load(new String[] {"--tls-cert", certificate.toString()},
        Map.of("CHORUS_TLS_KEY", key.toString())).tls();
    Tls pkcs12 = ConfigLoader.load(new String[] {"--tls-keystore", keystore.toString(), "--management-tls"},
        Map.of("CHORUS_TLS_KEYSTORE_PASSWORD", "s3cret")).tls();

    assertThat(pem.keyMaterial()).contains(new Tls.Pem(certificate, key));
    assertThat(pem.management()).isFalse();
    assertThat(pem.reloadInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(pkcs12.keyMaterial()).contains(new Tls.Pkcs12(keystore, "s3cret"));
    assertThat(pkcs12.management()).isTrue();
    assertThat(pkcs12.toString()).doesNotContain("s3cret");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--tls-cert", certificate.toString()}, Map.of()))
        .hasMessageStartingWith("invalid tls-cert: '" + certificate + "' needs tls-key too");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--tls-keystore", keystore.toString(),
        "--tls-cert", certificate.toString(), "--tls-key", key.toString()}, Map.of()))
        .hasMessageStartingWith("invalid tls-keystore: '" + keystore + "' and tls-cert/tls-key are both set");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--tls-key", folder.resolve("none").toString(),
        "--tls-cert", certificate.toString()}, Map.of()))
        .hasMessageStartingWith("invalid tls-key: '" + folder.resolve("none") + "' does not exist");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--tls-cert", folder.toString(),
        "--tls-key", key.toString()}, Map.of()))
        .hasMessageStartingWith("invalid tls-cert: '" + folder + "' is not a readable file");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--management-tls"}, Map.of()))
        .hasMessageStartingWith("invalid management-tls: 'true' needs tls-cert and tls-key, or tls-keystore");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--tls-keystore", keystore.toString(),
        "--management-tls", "--management-port", "main"}, Map.of()))
        .hasMessageStartingWith("invalid management-tls: 'true' needs a management port of its own");
  }

  @Test
  void missingConfigFileSaysNoSuchFile() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", "/nonexistent/chorus.properties"}, Map.of()))
        .hasMessage("config: no such file: /nonexistent/chorus.properties (from option --config)");
  }

  @Test
  void everyBadKeyOfTheFileAndEveryBadValueIsListedAtOnce(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("chorus.properties");
    Files.writeString(file, "prot=80\nmax-message-size=lots\nidle-timeout=1x\nwelcome-mesage=hi\nport=9000\n");

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config", file.toString(), "--drain-period", "10"},
        Map.of("CHORUS_RATE_LIMIT", "fast")))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "unknown setting 'prot' in config file " + file + " (did you mean port? see --help)",
            "unknown setting 'welcome-mesage' in config file " + file + " (did you mean welcome-message? see --help)",
            "invalid max-message-size: 'lots' is not a size such as 65536, 64KiB or 1MiB (from config file "
                + file + ")",
            "invalid idle-timeout: '1x' is not a duration such as 500ms, 25s or 2m (from config file " + file + ")",
            "invalid drain-period: '10' is not a duration such as 500ms, 25s or 2m (from option --drain-period)",
            "invalid rate-limit: 'fast' is not a whole number (from environment variable CHORUS_RATE_LIMIT)"))
        .hasMessageStartingWith("6 problems in the settings:\n  ");
  }

  @Test
  void aRejectedValueDoesNotMakeTheChecksThatUseItReportMore() {
    // The idle timeout falls back to its default (60s): the poll timeout is checked against that, not against 0.
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--idle-timeout", "soon"}, Map.of()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(1))
        .hasMessageStartingWith("invalid idle-timeout: 'soon' is not a duration");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--jwt-secret", "short", "--allow-anonymous",
        "subscribe=lobby", "--prot", "1", "stray"}, Map.of()))
        .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
            "unexpected argument 'stray' (settings are given as --name value; see --help)",
            "unknown option --prot (did you mean --port? see --help)",
            "invalid jwt-secret: the secret is shorter than the 32 bytes HS256 needs (RFC 7518 3.2); "
                + "e.g. openssl rand -base64 32"));
  }

  @Test
  void apiKeysNameAFileByFlagOrEnvironmentAndNoneLeavesTheApiOpen() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).apiKeys()).isEmpty();
    assertThat(ConfigLoader.load(new String[0], Map.of("CHORUS_API_KEYS", "/run/secrets/api-keys")).apiKeys())
        .contains(Path.of("/run/secrets/api-keys"));
    assertThat(ConfigLoader.load(new String[] {"--api-keys", "keys.txt"}, Map.of("CHORUS_API_KEYS", "other")).apiKeys())
        .contains(Path.of("keys.txt"));
  }

  @Test
  void helpListsEverySettingInAlignedColumnsWithOneDefaultEach() {
    List<String> lines = ConfigLoader.help().lines().toList();
    int header = lines.indexOf(lines.stream().filter(line -> line.startsWith("FLAG ")).findFirst().orElseThrow());
    int envColumn = lines.get(header).indexOf("ENVIRONMENT VARIABLE");
    int defaultColumn = lines.get(header).indexOf("DEFAULT");

    for (Setting setting : Setting.values()) {
      String row = lines.stream().filter(line -> line.startsWith(setting.flag() + " ")).findFirst().orElseThrow();
      assertThat(row.indexOf(setting.env())).as(setting.key()).isEqualTo(envColumn);
      assertThat(row.substring(defaultColumn)).as(setting.key()).isEqualTo(setting.shownDefault());
      assertThat(setting.description()).as(setting.key() + ": the default column is the only default")
          .doesNotContain("default:");
    }
    assertThat(lines).contains(
        "--port                      CHORUS_PORT                     8080",
        "--instances                 CHORUS_INSTANCES                CPU cores",
        "--jwt-secret                CHORUS_JWT_SECRET               (none)",
        "--welcome-message           CHORUS_WELCOME_MESSAGE          Welcome to the chat!",
        "    Text of the welcome message sent to every new connection.");
    assertThat(lines).allSatisfy(line -> assertThat(line.length()).as(line).isLessThanOrEqualTo(80));
    assertThat(ConfigLoader.wantsHelp(new String[] {"--port", "1", "--help"})).isTrue();
    assertThat(ConfigLoader.wantsVersion(new String[] {"--version"})).isTrue();
    assertThat(ConfigLoader.wantsVersion(new String[] {"--port", "1"})).isFalse();
  }

  @Test
  void authenticationIsOffWithoutKeysAndItsSettingsAreCheckedWithoutShowingSecrets() throws Exception {
    assertThat(ConfigLoader.load(new String[0], Map.of()).authentication().enabled()).isFalse();
    Authentication auth = ConfigLoader.load(new String[] {"--jwt-secret", "0123456789abcdef0123456789abcdef",
        "--allow-anonymous", " subscribe = lobby, news-* ; publish=lobby"}, Map.of()).authentication();
    assertThat(auth.enabled()).isTrue();
    assertThat(auth.anonymous()).isTrue();
    assertThat(auth.anonymousSubscribe()).containsExactly("lobby", "news-*");
    assertThat(auth.anonymousPublish()).containsExactly("lobby");
    assertThat(ConfigLoader.load(new String[0], Map.of("CHORUS_JWT_SECRET", "0123456789abcdef0123456789abcdef"))
        .authentication().anonymous()).as("with a key, no anonymous clients unless allowed").isFalse();

    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--jwt-secret", "short-secret"}, Map.of()))
        .hasMessageStartingWith("invalid jwt-secret: the secret is shorter than the 32 bytes")
        .hasMessageNotContaining("short-secret");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--allow-anonymous", "subscribe=lobby"}, Map.of()))
        .hasMessageStartingWith("invalid allow-anonymous: 'subscribe=lobby' needs a JWT key");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--jwt-secret", "0123456789abcdef0123456789abcdef",
        "--allow-anonymous", "read=lobby"}, Map.of()))
        .hasMessageStartingWith("invalid allow-anonymous: 'read=lobby' has 'read=lobby'; write subscribe=");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--jwt-public-key", "/no/such/key.pem"}, Map.of()))
        .hasMessageStartingWith("invalid jwt-public-key: '/no/such/key.pem' cannot be read");
  }
}
