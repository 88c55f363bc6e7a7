package io.chorus.fanout;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every setting of one run, parsed once from the command line. Child processes receive the
 * parent's arguments plus a few {@code --child-*} ones, so they parse the same way.
 */
record Options(
        Mode mode,
        URI url,
        URI publisherUrl,
        Protocol protocol,
        Transport transport,
        boolean deflate,
        int subscribers,
        int publishers,
        double publishRate,
        double deliveryRate,
        int payloadBytes,
        Duration warmup,
        Duration duration,
        Duration drain,
        double rampFrom,
        double rampTo,
        double rampFactor,
        int rampRetries,
        boolean rampThrough,
        Duration p99Max,
        double lossMax,
        int connections,
        long requests,
        double connectRate,
        Duration connectTimeout,
        int processes,
        int threads,
        int sourceAddresses,
        long serverPid,
        URI metricsUrl,
        boolean serverGc,
        Duration maxRuntime,
        Path summary,
        Path stepsCsv,
        Share child,
        List<String> rawArgs) {

    enum Mode { FANOUT, RAMP, CONNECTIONS, HTTP_PUBLISH }

    /** How subscribers receive: a WebSocket, or an SSE stream ({@code GET /sse/<room>}, chorus.v1 events). */
    enum Transport { WS, SSE }

    private static final Pattern API_PATH = Pattern.compile("/api/rooms/[A-Za-z0-9._-]{1,64}/messages");

    /** Every receiver keeps order state per publisher, so their number is bounded. */
    static final int MAX_PUBLISHERS = 1000;

    static final String HELP = """
            Usage: java -jar fanout.jar MODE [options]

            Modes
              fanout        S subscribers + P publishers in one room, publish at a fixed rate,
                            measure deliveries/s, loss, order, duplicates and latency.
              ramp          like fanout, but raise the rate step by step and report the highest
                            delivery rate with loss < --loss-max and p99 < --p99-max.
              connections   open N idle connections at a bounded rate, hold them, report how many
                            stay open and the server's memory per connection.
              http-publish  N keep-alive connections POST messages to Chorus's HTTP API, each
                            sending its next request when the answer arrives; report
                            requests/s, status counts and latency.

            Target
              --url URL               ws://127.0.0.1:8080/ws/bench (loopback addresses only); wss://
                                      for TLS, trusting any certificate (OpenSSL when it loads)
                                      http-publish: http://127.0.0.1:8080/api/rooms/bench/messages
              --publisher-url URL     where the publishers connect, e.g. another node of a cluster [--url]
              --protocol P            plain | socketio (Engine.IO v4 / Socket.IO v5) | chorus.v1
                                      (structured: URLs must be /ws/<room>; acks timed)   [plain]
              --transport T           ws | sse: subscribers read GET /sse/<room> of --url's
                                      host and room (needs chorus.v1; publishers stay
                                      WebSocket chorus.v1)                                [ws]
              --deflate               offer permessage-deflate (RFC 7692) and inflate what the
                                      server compresses; reports wire bytes per frame      [off]

            Fan-out and ramp
              --subscribers S         receiving connections                               [1000]
              --publishers P          sending connections (they receive too), <= 1000     [10]
              --rate R                total publish rate, messages/s, split evenly        [100]
              --delivery-rate D       alternative to --rate: R = D / (S + P)
              --payload B             bytes of user data per message, >= 34               [64]
                                      (Socket.IO and chorus.v1 wrap them, as a JSON string)
              --warmup T              traffic before measuring                            [3s]
              --duration T            measurement window                                  [10s]
              --drain T               traffic after the window, so late messages count    [2s]
              --ramp-from D           first ramp step, deliveries/s                       [50k]
              --ramp-to D             last ramp step, deliveries/s                        [3M]
              --ramp-factor F         step multiplier                                     [1.25]
              --ramp-retries N        failing steps that are run again before stopping    [1]
              --ramp-through          after the first failing step, go on to --ramp-to for
                                      the latency curve (stops at a saturated generator, a
                                      closed connection or under half the target delivered);
                                      the maximum stays the last step before the first failure
              --steps-csv FILE        ramp: one CSV line per step (rate, p50, p99, CPU, pass)
              --p99-max T             ramp pass criterion                                 [50ms]
              --loss-max X            ramp pass criterion, fraction of deliveries         [0.001]

            Connections
              --connections N         idle connections to open                            [10000]
              --connect-rate N        new connections per second                          [2000]
              --hold T                how long to keep them open (same as --duration)
              --server-pid PID        read the server's RSS and CPU from /proc/PID
              --metrics-url URL       Prometheus endpoint: heap and direct memory per connection
              --server-gc             run 'jcmd PID GC.run' before each memory sample (JVM servers)

            HTTP publish (--url http://127.0.0.1:8080/api/rooms/<room>/messages; run Chorus with
            --rate-limit 0, or its per-address limit answers 429)
              --connections N         keep-alive connections, one request in flight each  [50]
              --requests N            stop after N measured requests (0: only --duration)  [0]
              --payload B             bytes of the JSON string each POST carries           [64]
              --warmup, --duration, --drain as above; --server-pid for the server's CPU

            Generator
              --processes K           child JVMs sharing the load (20,000 fds each)       [1]
              --threads N             event-loop threads per process       [available cores]
              --source-addresses N    bind clients to 127.0.0.2 .. 127.0.0.(N+1)          [20]
              --connect-timeout T     limit for establishing all connections              [120s]
              --max-runtime T         hard cap; the process exits when it is reached      [30m]
              --summary FILE          also write the results as key=value lines
              --help

            Durations take ms, s, m suffixes (500ms, 10s, 2m); counts and rates take k and M (100k).
            """;

    static Options parse(String[] args) {
        if (args.length == 0 || List.of(args).contains("--help") || List.of(args).contains("-h")) {
            throw new UsageException(null);
        }
        Mode mode = switch (args[0]) {
            case "fanout" -> Mode.FANOUT;
            case "ramp" -> Mode.RAMP;
            case "connections" -> Mode.CONNECTIONS;
            case "http-publish" -> Mode.HTTP_PUBLISH;
            default -> throw new UsageException("unknown mode '" + args[0] + "'");
        };
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String key = args[i];
            if (!key.startsWith("--")) {
                throw new UsageException("unexpected argument '" + key + "'");
            }
            if (key.equals("--server-gc") || key.equals("--deflate") || key.equals("--ramp-through")) {
                values.put(key, "true");
            } else if (i + 1 < args.length) {
                values.put(key, args[++i]);
            } else {
                throw new UsageException(key + " needs a value");
            }
        }
        Reader r = new Reader(values);
        URI url = URI.create(r.text("--url", mode == Mode.HTTP_PUBLISH
                ? "http://127.0.0.1:8080/api/rooms/bench/messages" : "ws://127.0.0.1:8080/ws/bench"));
        URI publisherUrl = URI.create(r.text("--publisher-url", url.toString()));
        Protocol protocol = Protocol.of(r.text("--protocol", "plain"));
        Transport transport = switch (r.text("--transport", "ws")) {
            case "ws" -> Transport.WS;
            case "sse" -> Transport.SSE;
            default -> throw new UsageException("--transport must be ws or sse");
        };
        int subscribers = (int) r.count("--subscribers", 1000);
        int publishers = (int) r.count("--publishers", 10);
        Duration duration = r.duration("--duration", r.text("--hold", "10s"));
        Options o = new Options(
                mode, url, publisherUrl, protocol, transport, Boolean.parseBoolean(r.text("--deflate", "false")),
                subscribers, publishers,
                r.count("--rate", 100), r.count("--delivery-rate", 0),
                (int) r.count("--payload", 64),
                r.duration("--warmup", "3s"), duration, r.duration("--drain", "2s"),
                r.count("--ramp-from", 50_000), r.count("--ramp-to", 3_000_000),
                r.count("--ramp-factor", 1.25), (int) r.count("--ramp-retries", 1),
                Boolean.parseBoolean(r.text("--ramp-through", "false")),
                r.duration("--p99-max", "50ms"), r.count("--loss-max", 0.001),
                (int) r.count("--connections", mode == Mode.HTTP_PUBLISH ? 50 : 10_000),
                (long) r.count("--requests", 0), r.count("--connect-rate", 2000),
                r.duration("--connect-timeout", "120s"),
                (int) r.count("--processes", 1),
                (int) r.count("--threads", Runtime.getRuntime().availableProcessors()),
                (int) r.count("--source-addresses", 20),
                (long) r.count("--server-pid", -1),
                values.containsKey("--metrics-url") ? URI.create(values.remove("--metrics-url")) : null,
                Boolean.parseBoolean(r.text("--server-gc", "false")),
                r.duration("--max-runtime", "30m"),
                values.containsKey("--summary") ? Path.of(values.remove("--summary")) : null,
                values.containsKey("--steps-csv") ? Path.of(values.remove("--steps-csv")) : null,
                values.containsKey("--child") ? Share.decode(values.remove("--child")) : null,
                List.of(args));
        r.rejectLeftovers();
        o.validate();
        return o;
    }

    private void validate() {
        List<String> schemes = mode == Mode.HTTP_PUBLISH ? List.of("http") : List.of("ws", "wss");
        for (URI target : List.of(url, publisherUrl)) {
            String host = target.getHost();
            if (!schemes.contains(target.getScheme()) || host == null
                    || !(host.startsWith("127.") || host.equals("localhost"))) {
                throw new UsageException("--url and --publisher-url must be " + String.join(":// or ", schemes)
                        + ":// on a loopback address (127.0.0.0/8), got " + target);
            }
        }
        if (mode == Mode.HTTP_PUBLISH && !API_PATH.matcher(String.valueOf(url.getRawPath())).matches()) {
            throw new UsageException("http-publish needs --url http://host:port/api/rooms/<room>/messages");
        }
        if (protocol == Protocol.CHORUS_V1 && (ChorusV1.roomOf(url) == null || ChorusV1.roomOf(publisherUrl) == null)) {
            throw new UsageException("--protocol chorus.v1 needs --url and --publisher-url of the form ws://host:port/ws/<room>");
        }
        if (transport == Transport.SSE && protocol != Protocol.CHORUS_V1) {
            throw new UsageException("--transport sse needs --protocol chorus.v1: SSE events carry chorus.v1 messages");
        }
        if (mode == Mode.HTTP_PUBLISH && (processes != 1 || requests < 0)) {
            throw new UsageException("http-publish runs in one process (--processes 1), --requests >= 0");
        }
        if (publishers < 1 && (mode == Mode.FANOUT || mode == Mode.RAMP) || publishers > MAX_PUBLISHERS) {
            throw new UsageException("--publishers must be within 1.." + MAX_PUBLISHERS);
        }
        if (payloadBytes < Payload.HEADER_BYTES || payloadBytes > 60_000) {
            throw new UsageException("--payload must be within " + Payload.HEADER_BYTES + "..60000 bytes");
        }
        if (processes < 1 || processes > 16 || threads < 1 || sourceAddresses < 1 || sourceAddresses > 250) {
            throw new UsageException("--processes 1..16, --threads >= 1, --source-addresses 1..250");
        }
        if (rampFactor <= 1.0 || connectRate <= 0 || subscribers < 0 || connections < 1) {
            throw new UsageException("--ramp-factor > 1, --connect-rate > 0, --subscribers >= 0, --connections >= 1");
        }
    }

    /** Connections each mode opens in total, over all processes. */
    int totalConnections() {
        return mode == Mode.CONNECTIONS || mode == Mode.HTTP_PUBLISH ? connections : subscribers + publishers;
    }

    int totalPublishers() {
        return mode == Mode.CONNECTIONS || mode == Mode.HTTP_PUBLISH ? 0 : publishers;
    }

    /** Publish rate in messages/s for a target delivery rate: every message reaches every connection. */
    double publishRateFor(double deliveriesPerSecond) {
        return deliveriesPerSecond / totalConnections();
    }

    double fanoutPublishRate() {
        return deliveryRate > 0 ? publishRateFor(deliveryRate) : publishRate;
    }

    boolean isChild() {
        return child != null;
    }

    /** Arguments for a child: the parent's own, minus what only the parent does, plus its share. */
    List<String> childArgs(Share share) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < rawArgs.size(); i++) {
            String a = rawArgs.get(i);
            if (a.equals("--processes") || a.equals("--summary") || a.equals("--metrics-url")
                    || a.equals("--steps-csv")) {
                i++;
            } else if (!a.equals("--server-gc")) {
                out.add(a);
            }
        }
        out.add("--child");
        out.add(share.encode());
        return out;
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Reader {
        private final Map<String, String> values;

        Reader(Map<String, String> values) {
            this.values = values;
        }

        String text(String key, String fallback) {
            String v = values.remove(key);
            return v == null ? fallback : v;
        }

        double count(String key, double fallback) {
            String v = values.remove(key);
            if (v == null) {
                return fallback;
            }
            try {
                String s = v.trim();
                double scale = 1;
                if (s.endsWith("k") || s.endsWith("K")) {
                    scale = 1_000;
                } else if (s.endsWith("M")) {
                    scale = 1_000_000;
                }
                if (scale != 1) {
                    s = s.substring(0, s.length() - 1);
                }
                return Double.parseDouble(s) * scale;
            } catch (NumberFormatException e) {
                throw new UsageException(key + ": not a number: '" + v + "'");
            }
        }

        Duration duration(String key, String fallback) {
            String v = text(key, fallback).trim().toLowerCase(Locale.ROOT);
            try {
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                if (v.endsWith("s")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
                }
                if (v.endsWith("m")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 60_000));
                }
                return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            } catch (NumberFormatException e) {
                throw new UsageException(key + ": not a duration: '" + v + "'");
            }
        }

        void rejectLeftovers() {
            if (!values.isEmpty()) {
                throw new UsageException("unknown option " + values.keySet().iterator().next());
            }
        }
    }
}
