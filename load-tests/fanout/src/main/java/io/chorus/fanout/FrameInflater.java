package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates permessage-deflate messages (RFC 7692) into a buffer it reuses, as a browser would before handing a
 * message to its page. A server that keeps no context between messages ({@code server_no_context_takeover}) is
 * served by one instance per event loop, reset after each message; one that keeps it needs one per connection.
 */
final class FrameInflater {
    private static final byte[] TAIL = {0, 0, (byte) 0xff, (byte) 0xff};

    private final Inflater inflater = new Inflater(true);
    private final boolean resetAfterEachMessage;
    private byte[] input = new byte[4096];
    private byte[] output = new byte[16384];
    private ByteBuf view = Unpooled.wrappedBuffer(output);

    FrameInflater(boolean resetAfterEachMessage) {
        this.resetAfterEachMessage = resetAfterEachMessage;
    }

    /** The message of the compressed payload at {@code at}; valid until the next call. */
    ByteBuf inflate(ByteBuf buf, int at, int length) throws DataFormatException {
        if (input.length < length + TAIL.length) {
            input = new byte[Math.max(2 * input.length, length + TAIL.length)];
        }
        buf.getBytes(at, input, 0, length);
        System.arraycopy(TAIL, 0, input, length, TAIL.length);
        inflater.setInput(input, 0, length + TAIL.length);
        int produced = 0;
        while (true) {
            produced += inflater.inflate(output, produced, output.length - produced);
            if (produced < output.length || inflater.needsInput() || inflater.finished()) {
                break;
            }
            output = Arrays.copyOf(output, 2 * output.length);
            view = Unpooled.wrappedBuffer(output);
        }
        if (resetAfterEachMessage || inflater.finished()) {
            inflater.reset();
        }
        return view.setIndex(0, produced);
    }
}
