package io.chorus.fanout;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** What is spoken inside the WebSocket: raw text frames, Socket.IO v5 over Engine.IO v4, or chorus.v1. */
enum Protocol {
    /** The room protocol: every text frame is broadcast as is; the server greets with one frame. */
    PLAIN("", ""),
    /**
     * Socket.IO without the HTTP long-polling start: open packet {@code 0{...}}, connect {@code 40},
     * events {@code 42["msg","..."]}, pings {@code 2} answered with {@code 3}.
     */
    SOCKETIO("42[\"msg\",\"", "\"]"),
    /**
     * Chorus's structured protocol, negotiated with {@code Sec-WebSocket-Protocol}: JSON commands and
     * pushes with a per-room sequence number (see {@link ChorusV1}). The publish prefix names the room.
     */
    CHORUS_V1("", ChorusV1.PUBLISH_SUFFIX);

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
            case ChorusV1.SUBPROTOCOL -> CHORUS_V1;
            default -> throw new Options.UsageException("--protocol must be plain, socketio or chorus.v1, got '" + name + "'");
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

    /** The protocol's name on the wire, as in {@code --protocol}. */
    String wireName() {
        return this == CHORUS_V1 ? ChorusV1.SUBPROTOCOL : name().toLowerCase(Locale.ROOT);
    }

    /** Bytes written before the benchmark payload inside one text frame of Socket.IO. */
    byte[] eventPrefix() {
        return eventPrefix;
    }

    /** Bytes written before the benchmark payload in a published frame to {@code room}. */
    byte[] publishPrefix(String room) {
        return this == CHORUS_V1 ? ChorusV1.publishPrefix(room) : eventPrefix;
    }

    byte[] eventSuffix() {
        return eventSuffix;
    }
}
