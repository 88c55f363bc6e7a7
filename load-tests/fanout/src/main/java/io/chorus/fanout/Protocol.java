package io.chorus.fanout;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/** What is spoken inside the WebSocket: raw text frames, or Socket.IO v5 over Engine.IO v4. */
enum Protocol {
    /** The room protocol: every text frame is broadcast as is; the server greets with one frame. */
    PLAIN("", ""),
    /**
     * Socket.IO without the HTTP long-polling start: open packet {@code 0{...}}, connect {@code 40},
     * events {@code 42["msg","..."]}, pings {@code 2} answered with {@code 3}.
     */
    SOCKETIO("42[\"msg\",\"", "\"]");

    static final String SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket";

    private final byte[] eventPrefix;
    private final byte[] eventSuffix;

    Protocol(String eventPrefix, String eventSuffix) {
        this.eventPrefix = eventPrefix.getBytes(StandardCharsets.US_ASCII);
        this.eventSuffix = eventSuffix.getBytes(StandardCharsets.US_ASCII);
    }

    static Protocol of(String name) {
        return switch (name) {
            case "plain" -> PLAIN;
            case "socketio" -> SOCKETIO;
            default -> throw new Options.UsageException("--protocol must be plain or socketio, got '" + name + "'");
        };
    }

    /** Request target of the upgrade request. */
    String requestTarget(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (this == SOCKETIO && !path.startsWith("/socket.io")) {
            return SOCKETIO_PATH;
        }
        return url.getRawQuery() == null ? path : path + "?" + url.getRawQuery();
    }

    /** Bytes written before the benchmark payload inside one text frame. */
    byte[] eventPrefix() {
        return eventPrefix;
    }

    byte[] eventSuffix() {
        return eventSuffix;
    }
}
