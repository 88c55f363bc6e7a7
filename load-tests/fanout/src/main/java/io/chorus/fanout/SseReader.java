package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * An SSE subscriber's whole connection: it sends {@code GET /sse/<room>} (HTTP/1.1, kept alive), checks the
 * response head, then reads the chunked body's events in the receive buffer. Each event's {@code data:} is handed
 * over in place, without a String or an object per event, so that receiving an SSE delivery costs the generator
 * about what a WebSocket frame does: the kernel's work, plus a scan for line ends.
 *
 * <p>The data is all the generator needs: a Chorus event's {@code data:} is the chorus.v1 object, whose
 * {@code type} names the event, so {@code event:} and {@code id:} lines and {@code : ping} comments are skipped.
 * Lines end at LF or CRLF (Chorus writes LF; a lone CR, which the SSE grammar also allows, is not expected).
 * An event that straddles two reads or two chunks is copied into {@link #pending} until it is whole; events that
 * arrive whole, the usual case, are never copied.
 */
final class SseReader extends ByteToMessageDecoder {
    /** Where each event's data goes, and why the stream cannot be read. Called on the connection's event loop. */
    interface Events {
        void read();

        void event(ByteBuf buf, int at, int length, long now);

        void failed(String reason);
    }

    /** A response head or chunk-size line longer than this is not Chorus's. */
    private static final int MAX_HEAD = 8192;
    /** Chorus's events are at most max-message-size plus their framing; far below this. */
    private static final int MAX_EVENT = 1 << 20;
    private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

    private enum State { HEAD, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, ENDED }

    private final String request;
    private final Events events;
    private State state = State.HEAD;
    private int chunkLeft;
    /** The start of an event not yet whole, or null. */
    private ByteBuf pending;

    SseReader(String requestTarget, String host, Events events) {
        this.request = "GET " + requestTarget + " HTTP/1.1\r\nHost: " + host
                + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
        this.events = events;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII), ctx.voidPromise());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        // One per socket read: events / reads says how many events the server coalesces per send.
        events.read();
        super.channelRead(ctx, msg);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        long now = System.nanoTime();
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> {
                    if (!head(ctx, in)) {
                        return;
                    }
                }
                case CHUNK_SIZE -> {
                    if (!chunkSize(ctx, in)) {
                        return;
                    }
                }
                case CHUNK_DATA -> {
                    int take = Math.min(chunkLeft, in.readableBytes());
                    if (!body(ctx, in, take, now)) {
                        return;
                    }
                    in.skipBytes(take);
                    chunkLeft -= take;
                    if (chunkLeft == 0) {
                        state = State.CHUNK_END;
                    }
                }
                case CHUNK_END -> {
                    if (in.readableBytes() < 2) {
                        return;
                    }
                    if (in.readByte() != '\r' || in.readByte() != '\n') {
                        fail(ctx, in, "sse: chunk not followed by CRLF");
                        return;
                    }
                    state = State.CHUNK_SIZE;
                }
                case ENDED -> in.skipBytes(in.readableBytes());
            }
        }
    }

    /** The response head: 200, an event stream, chunked. */
    private boolean head(ChannelHandlerContext ctx, ByteBuf in) {
        int end = headEnd(in);
        if (end < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                fail(ctx, in, "sse: response head too long");
            }
            return false;
        }
        String head = in.toString(in.readerIndex(), end - in.readerIndex(), StandardCharsets.ISO_8859_1);
        in.readerIndex(end);
        String lower = head.toLowerCase(Locale.ROOT);
        if (!head.startsWith("HTTP/1.1 200")) {
            fail(ctx, in, "sse: HTTP " + head.substring(Math.min(9, head.length()), Math.min(12, head.length())));
            return false;
        }
        if (!lower.contains("\r\ncontent-type: text/event-stream") || !lower.contains("\r\ntransfer-encoding: chunked")) {
            fail(ctx, in, "sse: not a chunked text/event-stream");
            return false;
        }
        state = State.CHUNK_SIZE;
        return true;
    }

    /** Just after the blank line that ends the head, or -1 while it has not arrived. */
    private static int headEnd(ByteBuf in) {
        int start = in.readerIndex();
        for (int lf = in.indexOf(start, in.writerIndex(), (byte) '\n'); lf >= 0;
                lf = in.indexOf(lf + 1, in.writerIndex(), (byte) '\n')) {
            if (lf - start >= 3 && in.getByte(lf - 1) == '\r' && in.getByte(lf - 2) == '\n') {
                return lf + 1;
            }
        }
        return -1;
    }

    /** {@code <hex size>[;extensions]\r\n}; size 0 is the last chunk: the server ended the stream. */
    private boolean chunkSize(ChannelHandlerContext ctx, ByteBuf in) {
        int lf = in.indexOf(in.readerIndex(), in.writerIndex(), (byte) '\n');
        if (lf < 0) {
            if (in.readableBytes() > MAX_HEAD) {
                fail(ctx, in, "sse: chunk size line too long");
            }
            return false;
        }
        long size = 0;
        int digits = 0;
        for (int i = in.readerIndex(); i < lf; i++, digits++) {
            int d = Character.digit(in.getByte(i), 16);
            if (d < 0) {
                break;
            }
            size = size * 16 + d;
            if (size > MAX_EVENT) {
                fail(ctx, in, "sse: chunk over " + MAX_EVENT + " bytes");
                return false;
            }
        }
        if (digits == 0) {
            fail(ctx, in, "sse: bad chunk size");
            return false;
        }
        in.readerIndex(lf + 1);
        chunkLeft = (int) size;
        state = size == 0 ? State.ENDED : State.CHUNK_DATA;
        return true;
    }

    /** Hands over every whole event in the next {@code take} bytes of body; keeps an incomplete one's start. */
    private boolean body(ChannelHandlerContext ctx, ByteBuf in, int take, long now) {
        int from = in.readerIndex();
        if (pending == null) {
            int used = events(in, from, from + take, now) - from;
            if (used < take) {
                pending = ctx.alloc().buffer(Math.max(256, take - used));
                pending.writeBytes(in, from + used, take - used);
            }
            return true;
        }
        pending.writeBytes(in, from, take);
        pending.readerIndex(events(pending, pending.readerIndex(), pending.writerIndex(), now));
        if (!pending.isReadable()) {
            pending.release();
            pending = null;
        } else if (pending.readableBytes() > MAX_EVENT) {
            fail(ctx, in, "sse: event over " + MAX_EVENT + " bytes");
            return false;
        }
        return true;
    }

    /** Dispatches the whole events in {@code [from, to)}; returns where the first incomplete one starts. */
    private int events(ByteBuf buf, int from, int to, long now) {
        int eventEnd = from;
        int dataAt = -1;
        int dataLength = 0;
        int i = from;
        while (i < to) {
            int lf = buf.indexOf(i, to, (byte) '\n');
            if (lf < 0) {
                break;
            }
            int lineEnd = lf > i && buf.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (lineEnd == i) {
                if (dataAt >= 0) {
                    events.event(buf, dataAt, dataLength, now);
                }
                dataAt = -1;
                eventEnd = lf + 1;
            } else if (isData(buf, i, lineEnd)) {
                // Chorus writes one data line per event, its JSON on one line; were there two, the last would count.
                dataAt = i + DATA.length < lineEnd && buf.getByte(i + DATA.length) == ' ' ? i + DATA.length + 1 : i + DATA.length;
                dataLength = lineEnd - dataAt;
            }
            i = lf + 1;
        }
        return eventEnd;
    }

    private static boolean isData(ByteBuf buf, int at, int lineEnd) {
        if (lineEnd - at < DATA.length) {
            return false;
        }
        for (int k = 0; k < DATA.length; k++) {
            if (buf.getByte(at + k) != DATA[k]) {
                return false;
            }
        }
        return true;
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String reason) {
        in.skipBytes(in.readableBytes());
        state = State.ENDED;
        events.failed(reason);
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (pending != null) {
            pending.release();
            pending = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        events.failed("io: " + cause.getClass().getSimpleName());
        ctx.close();
    }
}
