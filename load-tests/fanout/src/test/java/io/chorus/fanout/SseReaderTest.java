package io.chorus.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseReaderTest {
    private static final String HEAD = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            + "cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
    private static final String WELCOME = "{\"type\":\"welcome\",\"message\":\"Welcome to the chat!\"}";
    private static final String SUBSCRIBED = "{\"type\":\"subscribed\",\"room\":\"bench\",\"epoch\":\"e1\",\"seq\":0}";
    private static final String MESSAGE = "{\"type\":\"message\",\"room\":\"bench\",\"seq\":1,\"data\":\"hi\"}";

    private final List<String> events = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private int reads;

    private EmbeddedChannel channel() {
        return new EmbeddedChannel(new SseReader("/sse/bench", "127.0.0.1:8080", new SseReader.Events() {
            @Override
            public void read() {
                reads++;
            }

            @Override
            public void event(ByteBuf buf, int at, int length, long now) {
                events.add(buf.toString(at, length, StandardCharsets.UTF_8));
            }

            @Override
            public void failed(String reason) {
                failures.add(reason);
            }
        }));
    }

    private static String chunk(String data) {
        return Integer.toHexString(data.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + data + "\r\n";
    }

    private static String stream() {
        return HEAD
                + chunk("event: welcome\ndata: " + WELCOME + "\n\n")
                + chunk("event: subscribed\ndata: " + SUBSCRIBED + "\n\n")
                + chunk(": ping\n\n")
                + chunk("id: e1:1\nevent: message\ndata: " + MESSAGE + "\n\n")
                // One event over two chunks, with CRLF line ends.
                + chunk("id: e1:2\r\nevent: message\r\nda")
                + chunk("ta:" + MESSAGE.replace("\"seq\":1", "\"seq\":2") + "\r\n\r\n");
    }

    private static final List<String> EXPECTED = List.of(WELCOME, SUBSCRIBED, MESSAGE, MESSAGE.replace("\"seq\":1", "\"seq\":2"));

    @Test
    void sendsOneKeptAliveGetForTheRoomsStream() {
        EmbeddedChannel ch = channel();
        ByteBuf request = ch.readOutbound();
        assertEquals("GET /sse/bench HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: text/event-stream\r\n"
                + "Cache-Control: no-cache\r\n\r\n", request.toString(StandardCharsets.US_ASCII));
        request.release();
    }

    @Test
    void handsOverEveryEventsDataWhateverTheReadsSplitsAndSkipsComments() {
        byte[] bytes = stream().getBytes(StandardCharsets.UTF_8);
        for (int piece = 1; piece <= bytes.length; piece++) {
            events.clear();
            EmbeddedChannel ch = channel();
            for (int i = 0; i < bytes.length; i += piece) {
                ch.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(piece, bytes.length - i)));
            }
            assertEquals(EXPECTED, events, "reads of " + piece + " bytes");
            assertTrue(ch.isActive());
            ch.finishAndReleaseAll();
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void countsEachSocketRead() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer(stream(), StandardCharsets.UTF_8));
        ch.writeInbound(Unpooled.copiedBuffer(chunk(": ping\n\n"), StandardCharsets.UTF_8));
        assertEquals(2, reads);
        ch.finishAndReleaseAll();
    }

    @Test
    void failsAStreamThatTheServerRefuses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertEquals(List.of("sse: HTTP 503"), failures);
        assertFalse(ch.isActive());
    }

    @Test
    void ignoresWhatFollowsTheLastChunk() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(Unpooled.copiedBuffer(HEAD + chunk("data: " + WELCOME + "\n\n") + "0\r\n\r\n"
                + chunk("data: " + MESSAGE + "\n\n"), StandardCharsets.UTF_8));
        assertEquals(List.of(WELCOME), events);
        assertTrue(failures.isEmpty());
        ch.finishAndReleaseAll();
    }
}
