package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.zip.DataFormatException;

/**
 * One WebSocket connection: the HTTP upgrade (Netty's HTTP codec), then a frame reader that parses
 * frames in place, without a frame object per message, so that one core can take a million
 * deliveries per second. All state is touched only by the connection's event loop.
 *
 * <p>With chorus.v1 the connection offers the sub-protocol, is ready at the {@code subscribed} push
 * that the server sends for the room of {@code /ws/<room>}, and checks every delivery twice: by the
 * payload's publisher sequence, as in plain mode, and by the room's sequence number, where a jump
 * that no {@code gap} push announced is a gap. A chorus.v1 subscriber may read an SSE stream instead
 * ({@link SseReader}), whose events carry the same objects and feed the same checks.
 *
 * <p>With {@code --deflate} the connection offers permessage-deflate as a browser does and inflates the frames the
 * server compressed (RSV1) before the same checks; every connection counts the bytes it reads, so that runs with
 * and without compression compare bytes on the wire per frame.
 */
final class Client {
    /** Fixed key (base64 of 16 bytes, as RFC 6455 requires): the expected accept value is computed once. */
    private static final String KEY = "Y2hvcnVzLWJlbmNoLWtleQ==";
    private static final String ACCEPT = acceptFor(KEY);
    private static final int MAX_FRAME = 1 << 20;
    private static final byte[] SOCKETIO_CONNECT = "40".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SOCKETIO_PONG = "3".getBytes(StandardCharsets.US_ASCII);

    /** What the engine learns about a connection's life. */
    interface Listener {
        void ready(Client client);

        void failed(Client client, String reason);

        void closed(Client client);
    }

    static final AttributeKey<Client> KEY_ATTRIBUTE = AttributeKey.valueOf("chorus.client");

    final Protocol protocol;
    /** Offer permessage-deflate in the upgrade request. */
    private final boolean offersDeflate;
    /** Inflates compressed frames; null unless the server accepted permessage-deflate. */
    private FrameInflater inflater;
    final LoopState loop;
    /** Global publisher id, or -1 for a subscriber. */
    final int publisherId;
    private final Listener listener;
    private final int publisherSlots;
    private Channel channel;
    /** chorus.v1 only: the room of the URL, what its deliveries start with, and the send it acks. */
    private String room;
    private byte[] messagePrefix;
    private Publisher publisher;
    private final RoomSequence roomSequence = new RoomSequence();
    private final long[] parsedSeq = new long[1];
    private boolean ready;
    private boolean finished;
    /** Per publisher: highest sequence seen, and a bitmap of the 64 sequences below it. */
    private int[] highest;
    private long[] seen;

    Client(Protocol protocol, boolean offersDeflate, LoopState loop, int publisherId, Listener listener,
            int publisherSlots) {
        this.protocol = protocol;
        this.offersDeflate = offersDeflate;
        this.loop = loop;
        this.publisherId = publisherId;
        this.listener = listener;
        this.publisherSlots = publisherSlots;
    }

    /**
     * @param sse a chorus.v1 subscriber that reads {@code GET /sse/<room>} instead of a WebSocket
     * @param tls the TLS context for a {@code wss://} url, or null
     */
    void attach(Channel ch, URI url, boolean sse, SslContext tls) {
        this.channel = ch;
        if (tls != null) {
            // Writes wait in the TLS handler until its handshake is done: the upgrade request goes out after it.
            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc(), url.getHost(), port(url)));
        }
        if (protocol == Protocol.CHORUS_V1) {
            room = ChorusV1.roomOf(url);
            messagePrefix = ChorusV1.messagePrefix(room);
        }
        ch.attr(KEY_ATTRIBUTE).set(this);
        if (sse) {
            ch.pipeline().addLast("sse", new SseReader("/sse/" + room, url.getHost() + ":" + url.getPort(), new SseEvents()));
        } else {
            ch.pipeline().addLast("http", new HttpClientCodec());
            ch.pipeline().addLast("handshake", new Handshake(url));
        }
        ch.closeFuture().addListener(f -> onClose());
    }

    Channel channel() {
        return channel;
    }

    static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "wss".equals(url.getScheme()) ? 443 : 80;
    }

    String room() {
        return room;
    }

    /** The publisher sending on this connection, whose acks arrive here. */
    void publishAs(Publisher p) {
        this.publisher = p;
    }

    private void onReady() {
        if (!ready) {
            ready = true;
            if (publisherSlots > 0) {
                highest = new int[publisherSlots];
                seen = new long[publisherSlots];
                Arrays.fill(highest, -1);
            }
            listener.ready(this);
        }
    }

    /** Called by the connect promise's listener, which runs before the channel's close future. */
    void connectFailed(Throwable cause) {
        fail("connect: " + cause.getMessage());
    }

    private void fail(String reason) {
        if (!finished && !ready) {
            finished = true;
            listener.failed(this, reason);
        }
        channel.close();
    }

    private void onClose() {
        if (!ready) {
            fail("closed before ready");
        } else if (!finished) {
            finished = true;
            listener.closed(this);
        }
    }

    private void send(byte[] payload) {
        channel.writeAndFlush(Frames.text(channel.alloc(), payload), channel.voidPromise());
    }

    /** Benchmark message in {@code buf} at {@code at}: count it, check its order, record latency. */
    private void onBenchmarkMessage(ByteBuf buf, int at, long now) {
        int publisher = (int) Payload.hex8(buf.getLong(at + Payload.PUBLISHER_OFFSET));
        int sequence = (int) Payload.hex8(buf.getLong(at + Payload.SEQUENCE_OFFSET));
        boolean measured = buf.getByte(at + Payload.FLAG_OFFSET) == Payload.MEASURED;
        Tally t = loop.tally;
        if (publisher < 0 || highest == null || publisher >= highest.length || sequence < 0) {
            t.unknownPublisher++;
            return;
        }
        int h = highest[publisher];
        if (sequence > h) {
            long shift = (long) sequence - h;
            seen[publisher] = shift >= 64 ? 1L : (seen[publisher] << shift) | 1L;
            highest[publisher] = sequence;
        } else {
            int behind = h - sequence;
            long bit = behind < 64 ? 1L << behind : 0L;
            if (bit != 0 && (seen[publisher] & bit) != 0) {
                if (measured) {
                    t.duplicates++;
                }
                return;
            }
            seen[publisher] |= bit;
            if (measured) {
                t.outOfOrder++;
            }
        }
        if (measured) {
            t.delivered++;
            t.recordLatency(now - Payload.time(buf, at));
        }
    }

    private void onText(ByteBuf buf, int at, int length, long now) {
        if (protocol == Protocol.CHORUS_V1) {
            onStructured(buf, at, length, now);
            return;
        }
        if (protocol == Protocol.PLAIN) {
            // The first frame, normally the welcome, tells that the server has put us in the room.
            onReady();
            if (Payload.isPayload(buf, at, length)) {
                onBenchmarkMessage(buf, at, now);
            } else {
                loop.tally.otherFrames++;
            }
            return;
        }
        onSocketIoPacket(buf, at, length, now);
    }

    private void onStructured(ByteBuf buf, int at, int length, long now) {
        int payload = ChorusV1.messagePayload(buf, at, length, messagePrefix, parsedSeq);
        if (payload >= 0) {
            roomSequence.delivered(parsedSeq[0], loop.tally);
            onStructuredPayload(buf, payload, at + length - payload, now);
            return;
        }
        ChorusV1.Frame f = ChorusV1.Frame.parse(buf, at, length);
        Tally t = loop.tally;
        if (f.is("message")) {
            roomSequence.delivered(f.seq(), t);
            if (f.dataOffset() >= 0) {
                onStructuredPayload(buf, at + f.dataOffset(), length - f.dataOffset(), now);
            } else {
                t.otherFrames++;
            }
        } else if (f.is("ack") && f.id() != null && publisher != null) {
            publisher.acked(hexId(f.id()), now, t);
        } else if (f.is("subscribed") && f.id() == null && f.seq() >= 0) {
            roomSequence.subscribed(f.seq());
            onReady();
        } else if (f.is("gap") && f.seq() >= 0) {
            t.gapPushes++;
            roomSequence.gap(f.seq());
        } else if (f.is("error")) {
            t.errors++;
            t.addFailure("chorus.v1 error " + f.code(), 1);
        } else {
            t.otherFrames++;
        }
    }

    /** A delivery's payload, which is the benchmark message unless the frame was garbled. */
    private void onStructuredPayload(ByteBuf buf, int at, int length, long now) {
        if (Payload.isPayload(buf, at, length)) {
            onBenchmarkMessage(buf, at, now);
        } else {
            loop.tally.otherFrames++;
        }
    }

    private static int hexId(String id) {
        try {
            return id.length() == 8 ? Integer.parseUnsignedInt(id, 16) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * An SSE stream's events: each one's data is the chorus.v1 object a WebSocket frame would carry (welcome,
     * subscribed, message, gap), so it goes through the same checks; an event counts as a frame.
     */
    private final class SseEvents implements SseReader.Events {
        @Override
        public void read() {
            loop.tally.reads++;
        }

        @Override
        public void event(ByteBuf buf, int at, int length, long now) {
            loop.tally.frames++;
            onStructured(buf, at, length, now);
        }

        @Override
        public void failed(String reason) {
            if (ready) {
                loop.tally.addFailure(reason, 1);
                channel.close();
            } else {
                fail(reason);
            }
        }
    }

    private void onSocketIoPacket(ByteBuf buf, int at, int length, long now) {
        byte type = length > 0 ? buf.getByte(at) : 0;
        byte sub = length > 1 ? buf.getByte(at + 1) : 0;
        byte[] prefix = protocol.eventPrefix();
        if (type == '4' && sub == '2' && length >= prefix.length + Payload.HEADER_BYTES
                && startsWith(buf, at, prefix)
                && Payload.isPayload(buf, at + prefix.length, length - prefix.length)) {
            onBenchmarkMessage(buf, at + prefix.length, now);
        } else if (type == '2') {
            send(SOCKETIO_PONG);
        } else if (type == '0') {
            send(SOCKETIO_CONNECT);
        } else if (type == '4' && sub == '0') {
            onReady();
        } else if (type == '4' && sub == '4') {
            fail("socket.io connect error");
        } else if (type == '1' || type == '4' && sub == '1') {
            channel.close();
        } else {
            loop.tally.otherFrames++;
        }
    }

    private static boolean startsWith(ByteBuf buf, int at, byte[] prefix) {
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private void onFrame(ChannelHandlerContext ctx, int b0, ByteBuf buf, int at, int length, long now) {
        int opcode = b0 & 0x0f;
        boolean fin = (b0 & 0x80) != 0;
        loop.tally.frames++;
        switch (opcode) {
            case Frames.OP_TEXT, Frames.OP_BINARY -> {
                if (fin && (b0 & Frames.RSV1) != 0) {
                    onCompressed(buf, at, length, now);
                } else if (fin) {
                    onText(buf, at, length, now);
                } else {
                    // Never expected for messages this small; counted, and then missing as loss.
                    loop.tally.fragmented++;
                }
            }
            case Frames.OP_CONTINUATION -> {
                // The rest of a fragmented message, already counted above.
            }
            case Frames.OP_PING -> ctx.writeAndFlush(
                    Frames.frame(ctx.alloc(), Frames.OP_PONG, buf.slice(at, length)), ctx.voidPromise());
            case Frames.OP_CLOSE -> ctx.close();
            default -> loop.tally.otherFrames++;
        }
    }

    private void onCompressed(ByteBuf buf, int at, int length, long now) {
        loop.tally.compressedFrames++;
        if (inflater == null) {
            loop.tally.addFailure("protocol: compressed frame without permessage-deflate", 1);
            channel.close();
            return;
        }
        try {
            ByteBuf message = inflater.inflate(buf, at, length);
            onText(message, 0, message.readableBytes(), now);
        } catch (DataFormatException e) {
            loop.tally.addFailure("protocol: corrupt compressed frame", 1);
            channel.close();
        }
    }

    private static String acceptFor(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every JRE", e);
        }
    }

    /** Sends the upgrade request and checks the 101 answer, then hands the socket to {@link Reader}. */
    private final class Handshake extends ChannelInboundHandlerAdapter {
        private final URI url;
        private boolean upgraded;

        Handshake(URI url) {
            this.url = url;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    protocol.requestTarget(url), Unpooled.EMPTY_BUFFER);
            req.headers()
                    .set(HttpHeaderNames.HOST, url.getHost() + ":" + url.getPort())
                    .set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET)
                    .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_KEY, KEY)
                    .set(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
            if (protocol == Protocol.CHORUS_V1) {
                req.headers().set(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, ChorusV1.SUBPROTOCOL);
            }
            if (offersDeflate) {
                // What Chromium offers.
                req.headers().set(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, "permessage-deflate; client_max_window_bits");
            }
            ctx.writeAndFlush(req);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse res) {
                    if (!res.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
                        fail("handshake: HTTP " + res.status().code());
                        return;
                    }
                    if (!ACCEPT.equals(res.headers().get(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT))) {
                        fail("handshake: wrong Sec-WebSocket-Accept");
                        return;
                    }
                    if (protocol == Protocol.CHORUS_V1
                            && !ChorusV1.SUBPROTOCOL.equals(res.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL))) {
                        fail("handshake: sub-protocol chorus.v1 not accepted");
                        return;
                    }
                    String extensions = res.headers().get(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS);
                    if (extensions != null && extensions.contains("permessage-deflate")) {
                        inflater = extensions.contains("server_no_context_takeover")
                                ? loop.sharedInflater() : new FrameInflater(false);
                    }
                    upgraded = true;
                }
                if (msg instanceof LastHttpContent && upgraded) {
                    ctx.pipeline().addLast("frames", new Reader());
                    ctx.pipeline().remove(this);
                    // Bytes after the 101 head (often the welcome frame) reach the reader when the codec goes.
                    ctx.pipeline().remove("http");
                } else if (!(msg instanceof HttpResponse) && !(msg instanceof HttpContent)) {
                    fail("handshake: unexpected " + msg.getClass().getSimpleName());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail("handshake: " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    /** Parses server frames (never masked) straight from the receive buffer. */
    private final class Reader extends ByteToMessageDecoder {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            // One per socket read: deliveries / reads says how many frames the server coalesces.
            loop.tally.reads++;
            if (msg instanceof ByteBuf bytes) {
                loop.tally.bytesReceived += bytes.readableBytes();
            }
            super.channelRead(ctx, msg);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            long now = System.nanoTime();
            while (true) {
                int readable = in.readableBytes();
                if (readable < 2) {
                    return;
                }
                int idx = in.readerIndex();
                int b0 = in.getUnsignedByte(idx);
                int b1 = in.getUnsignedByte(idx + 1);
                int header = 2;
                long length = b1 & 0x7f;
                if (length == 126) {
                    header = 4;
                    if (readable < header) {
                        return;
                    }
                    length = in.getUnsignedShort(idx + 2);
                } else if (length == 127) {
                    header = 10;
                    if (readable < header) {
                        return;
                    }
                    length = in.getLong(idx + 2);
                }
                if ((b1 & 0x80) != 0 || length < 0 || length > MAX_FRAME) {
                    in.skipBytes(readable);
                    fail("protocol: masked or oversized server frame");
                    ctx.close();
                    return;
                }
                if (readable < header + length) {
                    return;
                }
                onFrame(ctx, b0, in, idx + header, (int) length, now);
                in.readerIndex(idx + header + (int) length);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            loop.tally.addFailure("io: " + cause.getClass().getSimpleName(), 1);
            ctx.close();
        }
    }
}
