package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One keep-alive connection of {@code http-publish}: it POSTs the same request again as soon as the previous one is
 * answered, one in flight at a time (no HTTP pipelining), until the {@link Schedule} says stop. The request is
 * encoded once and shared by every connection; answers are read by Netty's {@code HttpResponseDecoder} in front of
 * this handler. Only the connection's event loop touches it.
 */
final class HttpPoster extends ChannelInboundHandlerAdapter {

    /** What a request sent now is part of. */
    enum Phase { WARMUP, MEASURED, STOP }

    /**
     * When the run sends, shared by all connections: warm-up until {@code measureStart}, then measured sends until
     * {@code measureEnd} or until {@code --requests} of them have gone out, whichever comes first.
     */
    static final class Schedule {
        final long measureStart;
        final long measureEnd;
        private final AtomicLong measuredLeft;
        private final AtomicLong stoppedAt = new AtomicLong();
        final CompletableFuture<Long> countReached = new CompletableFuture<>();

        /** @param requests measured requests at most; 0 for no bound */
        Schedule(long measureStart, long measureEnd, long requests) {
            this.measureStart = measureStart;
            this.measureEnd = measureEnd;
            this.measuredLeft = new AtomicLong(requests > 0 ? requests : Long.MAX_VALUE);
        }

        Phase admit(long now) {
            if (now < measureStart) {
                return Phase.WARMUP;
            }
            if (now >= measureEnd || stoppedAt.get() != 0) {
                return Phase.STOP;
            }
            if (measuredLeft.decrementAndGet() < 0) {
                if (stoppedAt.compareAndSet(0, now)) {
                    countReached.complete(now);
                }
                return Phase.STOP;
            }
            return Phase.MEASURED;
        }

        /** The end of the measurement window: when the last measured request was admitted, or {@code measureEnd}. */
        long windowEnd() {
            long stopped = stoppedAt.get();
            return stopped != 0 ? stopped : measureEnd;
        }
    }

    private final ByteBuf request;
    private final PostCounters counters;
    private ChannelHandlerContext ctx;
    private Schedule schedule;
    private long sentAt;
    private boolean measured;
    private boolean inFlight;
    private int status;
    private boolean keepAlive;

    /** @param request the whole request, unreleasable: each send writes a duplicate of it */
    HttpPoster(ByteBuf request, PostCounters counters) {
        this.request = request;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    EventExecutor executor() {
        return ctx.executor();
    }

    /** Sends the first request (call on the connection's event loop). */
    void start(Schedule s) {
        this.schedule = s;
        send();
    }

    private void send() {
        long now = System.nanoTime();
        Phase phase = schedule.admit(now);
        if (phase == Phase.STOP || !ctx.channel().isActive()) {
            return;
        }
        measured = phase == Phase.MEASURED;
        sentAt = now;
        inFlight = true;
        counters.sent++;
        if (measured) {
            counters.measuredSent++;
        }
        ctx.writeAndFlush(request.duplicate(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                counters.addFailure("bad response: " + o.decoderResult().cause().getClass().getSimpleName());
                ctx.close();
                return;
            }
            if (msg instanceof HttpResponse res) {
                status = res.status().code();
                keepAlive = HttpUtil.isKeepAlive(res);
            }
            if (msg instanceof LastHttpContent && inFlight) {
                answered(System.nanoTime());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answered(long now) {
        inFlight = false;
        counters.answered++;
        if (measured) {
            counters.measuredAnswered++;
            counters.status(status);
            counters.recordLatency(now - sentAt);
        }
        if (!keepAlive) {
            // The server ends the connection after this answer (Connection: close); it is not replaced.
            ctx.close();
            return;
        }
        send();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (schedule != null) {
            counters.closed++;
            if (inFlight && measured) {
                counters.closedInFlight++;
            }
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        counters.addFailure("io: " + cause.getClass().getSimpleName());
        ctx.close();
    }
}
