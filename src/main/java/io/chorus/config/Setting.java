package io.chorus.config;

import java.util.Locale;

/**
 * Every setting Chorus reads, with its default and meaning. The command-line flag ({@code --name}) and the
 * environment variable ({@code CHORUS_NAME}) derive from the name, so the three can never drift apart.
 */
public enum Setting {
  CONFIG("config", "", "Properties file with settings; its keys are the setting names (e.g. port=9000)."),
  HOST("host", "0.0.0.0", "Address the server listens on."),
  PORT("port", "8080", "Port for WebSockets and the chat page."),
  MANAGEMENT_PORT("management-port", "9090",
      "Port for /metrics and /health/*, on host but apart from clients; 0 picks a free port; main: on the main port."),
  INSTANCES("instances", null, "CPU cores", "Gateway instances, one per event loop."),
  WELCOME_MESSAGE("welcome-message", "Welcome to the chat!", "Text of the welcome message sent to every new connection."),
  MAX_MESSAGE_SIZE("max-message-size", "64KiB", "Largest message a client may send, after reassembling fragments."),
  MAX_CONNECTIONS("max-connections", null, "open files - 512",
      "WebSocket connections, SSE streams and held polls per node; further upgrades get 503. The default leaves "
          + "512 descriptors of the open-file limit (ulimit -n) for everything else."),
  MAX_INCOMPLETE_INPUT("max-incomplete-input", null, "memory / 4",
      "Memory all connections together may hold for messages and frames not yet complete; beyond it the connections "
          + "holding theirs longest are closed with 1013. Memory: the smaller of the maximum heap and the "
          + "direct-memory limit."),
  MAX_PENDING_OUTPUT("max-pending-output", "1MiB",
      "Output a connection may have waiting to be written; beyond it the slow-consumer policy applies."),
  SLOW_CONSUMER_POLICY("slow-consumer-policy", "disconnect",
      "disconnect: close a connection over max-pending-output with 1008; drop: skip messages for it meanwhile."),
  MAX_ROOMS_PER_CONNECTION("max-rooms-per-connection", "128",
      "Rooms a chorus.v1 connection may be subscribed to at once; a subscribe beyond it gets too_many_rooms."),
  HISTORY_SIZE("history-size", "100",
      "Messages each room keeps for resuming clients and the history command; 0 turns history off."),
  HISTORY_TTL("history-ttl", "5m", "How long a message stays in its room's history."),
  MAX_HISTORY_ROOMS("max-history-rooms", "10000",
      "Rooms whose stream (sequence position and history) a node keeps; beyond it the least recently used room "
          + "without members on the node is forgotten and starts a new epoch."),
  MAX_HISTORY_MEMORY("max-history-memory", null, "max heap / 8",
      "Message bytes a node keeps in history; beyond it the oldest messages of the rooms published to least "
          + "recently go first."),
  PRESENCE_ROOMS("presence-rooms", "",
      "Comma-separated rooms whose joins and leaves are pushed to their chorus.v1 subscribers: names, or prefixes "
          + "ending in * (* alone: all rooms). Each join and leave then costs a broadcast to every node."),
  RATE_LIMIT("rate-limit", "100",
      "Messages (chorus.v1: commands) per second a connection may send; 0 turns the limit off."),
  RATE_LIMIT_BURST("rate-limit-burst", "200",
      "Messages a connection may send at once; as many again dropped before it calms down closes it with 1008."),
  ALLOWED_ORIGINS("allowed-origins", "",
      "Comma-separated page origins allowed besides same-host and loopback pages; * allows all, null allows files."),
  API_KEYS("api-keys", "",
      "File of hashed API keys the HTTP API asks for (Authorization: Bearer), read again when it changes; empty: the "
          + "API is open. Make a key with: java -jar chorus.jar api-key <name> <scopes>."),
  COMPRESSION("compression", "false",
      "Offer permessage-deflate to WebSocket clients: each broadcast is compressed once per event loop for all of them."),
  COMPRESSION_MIN_SIZE("compression-min-size", "128",
      "Messages shorter than this go uncompressed even to clients that negotiated compression."),
  WRITE_DELAY("write-delay", "1ms",
      "How long a broadcast may wait to be written together with later ones, while an event loop sees more than one "
          + "per 4 write delays (250 a second at 1ms); otherwise, and with 0ms, at the end of each event-loop turn."),
  PING_INTERVAL("ping-interval", "25s", "How often the server pings each connection."),
  IDLE_TIMEOUT("idle-timeout", "60s", "A connection that sends nothing, not even a pong, for this long is closed."),
  POLL_TIMEOUT("poll-timeout", null, "ping-interval",
      "How long GET /poll/{room} waits for a message before answering with none; shorter than idle-timeout."),
  HANDSHAKE_TIMEOUT("handshake-timeout", "10s",
      "Time a connection that is not a WebSocket has for each complete request, head and body, from its opening or "
          + "the end of its previous request; an idle keep-alive connection closes after it."),
  CLOSE_TIMEOUT("close-timeout", "5s", "Time a client has to answer the server's close frame before TCP is closed."),
  DRAIN_PERIOD("drain-period", "10s", "On SIGTERM, connections are closed with 1001 spread evenly over this period."),
  JWT_SECRET("jwt-secret", "",
      "HS256 secret that signs connection tokens; any JWT key turns authentication on (prefer jwt-secret-file)."),
  JWT_SECRET_FILE("jwt-secret-file", "", "File holding the HS256 secret (trailing newlines ignored)."),
  JWT_PUBLIC_KEY("jwt-public-key", "",
      "PEM file of the RSA (RS256) or EC P-256 (ES256) public key that verifies tokens."),
  JWT_JWKS("jwt-jwks", "",
      "JWKS file ({\"keys\":[…]}) of the keys that verify tokens, chosen by the token's kid and alg; read again "
          + "when it changes and on SIGHUP."),
  JWT_ISSUER("jwt-issuer", "", "When set, a token's iss must equal it."),
  JWT_AUDIENCE("jwt-audience", "", "When set, a token's aud must hold it."),
  JWT_LEEWAY("jwt-leeway", "5s", "Clock skew allowed when checking a token's exp, nbf and iat."),
  ALLOW_ANONYMOUS("allow-anonymous", "",
      "With a JWT key set, what clients without a token may do, e.g. subscribe=lobby,news-*;publish=lobby; empty: "
          + "they are refused."),
  TLS_CERT("tls-cert", "",
      "PEM file with the server's certificate, then its chain; with tls-key the main port serves https:// and wss://."),
  TLS_KEY("tls-key", "", "PEM file with the private key of tls-cert, unencrypted (PKCS#8, PKCS#1 RSA or SEC1 EC)."),
  TLS_KEYSTORE("tls-keystore", "",
      "PKCS#12 file with the private key and certificate chain, instead of tls-cert and tls-key."),
  TLS_KEYSTORE_PASSWORD("tls-keystore-password", "",
      "Password of tls-keystore; pass it as CHORUS_TLS_KEYSTORE_PASSWORD: a flag shows in the process list."),
  MANAGEMENT_TLS("management-tls", "false",
      "Serve the management port over https too, with the main port's certificate."),
  TLS_RELOAD_INTERVAL("tls-reload-interval", "10s",
      "How often the certificate files are read for changes, reloaded without a restart; 0s: on SIGHUP only."),
  CLUSTER("cluster", "false", "Join a cluster of Chorus nodes over the Vert.x clustered event bus (Hazelcast)."),
  CLUSTER_NAME("cluster-name", "chorus", "Name of the cluster; nodes with another name never join it."),
  CLUSTER_HOST("cluster-host", "127.0.0.1",
      "Address Hazelcast binds to and announces to other nodes (in Kubernetes: the pod IP)."),
  CLUSTER_PORT("cluster-port", "5701", "Hazelcast member port."),
  CLUSTER_MEMBERS("cluster-members", "",
      "Comma-separated host:port of the members to join, e.g. 127.0.0.1:5701,127.0.0.1:5702."),
  CLUSTER_K8S_SERVICE("cluster-k8s-service", "",
      "DNS name of a headless Kubernetes service whose addresses are the members (instead of cluster-members)."),
  CLUSTER_FAILURE_TIMEOUT("cluster-failure-timeout", "15s",
      "A member that sends no heartbeat for this long is taken out of the cluster, and its clients out of presence."),
  EVENTBUS_HOST("eventbus-host", null, "cluster-host", "Address the clustered event bus binds to."),
  EVENTBUS_PORT("eventbus-port", "0", "Port of the clustered event bus; 0 picks a free port."),
  EVENTBUS_PUBLIC_HOST("eventbus-public-host", null, "eventbus-host",
      "Address other nodes use to reach this node's event bus.");

  private final String key;
  private final String defaultValue;
  private final String shownDefault;
  private final String description;

  Setting(String key, String defaultValue, String description) {
    this(key, defaultValue, defaultValue.isEmpty() ? "(none)" : defaultValue, description);
  }

  /**
   * @param defaultValue the default as text; null when it is computed at start
   * @param shownDefault the default as {@code --help} shows it: for a computed one, what it follows, in a few words
   */
  Setting(String key, String defaultValue, String shownDefault, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.shownDefault = shownDefault;
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

  /** The default as text, or {@code null} when it is computed at start ({@link #shownDefault} says from what). */
  public String defaultValue() {
    return defaultValue;
  }

  /** The default as {@code --help} shows it: the value, {@code (none)}, or what a computed default follows. */
  public String shownDefault() {
    return shownDefault;
  }

  public String description() {
    return description;
  }
}
