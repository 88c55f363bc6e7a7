package io.chorus.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code http-publish}: how many {@code POST /api/rooms/<room>/messages} a server answers per second over N
 * keep-alive connections, each sending its next request when the previous one is answered (a closed loop: the
 * server's speed sets the rate). Warm-up, then a window bounded by {@code --duration} and {@code --requests}, then
 * {@code --drain} for the answers still on their way.
 */
final class HttpPublishRun {
    private final Options options;

    HttpPublishRun(Options options) {
        this.options = options;
    }

    int run(Map<String, String> summary) throws Exception {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll transport unavailable", Epoll.unavailabilityCause());
        }
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(options.threads(), EpollIoHandler.newFactory());
        Map<EventLoop, PostCounters> counters = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            counters.put((EventLoop) e, new PostCounters());
        }
        ByteBuf request = Unpooled.unreleasableBuffer(request(options.url(), options.payloadBytes()));
        try {
            List<HttpPoster> posters = connect(group, counters, request);
            System.out.printf(Locale.ROOT, "http-publish %s | connections ready %,d of %,d | %d thread%s, %d source addresses%n",
                    options.url(), posters.size(), options.connections(), options.threads(),
                    options.threads() == 1 ? "" : "s", options.sourceAddresses());
            summary.put("connections_ready", Integer.toString(posters.size()));
            if (posters.isEmpty()) {
                System.out.println("no connection opened; nothing to measure");
                return 1;
            }
            System.out.printf(Locale.ROOT, "warm-up %s, measuring %s%s, drain %s; %d-byte JSON string per POST, one request in flight per connection%n",
                    Main.human(options.warmup()), Main.human(options.duration()),
                    options.requests() > 0 ? String.format(Locale.ROOT, " or %,d requests", options.requests()) : "",
                    Main.human(options.drain()), options.payloadBytes() + 2);
            return measure(posters, counters, summary);
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
        }
    }

    /** The request, encoded once: a JSON string of {@code payloadBytes} characters as the message. */
    static ByteBuf request(URI url, int payloadBytes) {
        byte[] body = ("\"" + new String(Payload.template(0, payloadBytes), StandardCharsets.US_ASCII) + "\"")
                .getBytes(StandardCharsets.US_ASCII);
        String head = "POST " + url.getRawPath() + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port(url)
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(h.length + body.length).writeBytes(h).writeBytes(body);
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : 80;
    }

    /** Opens every connection at once (they are few) and returns the posters of those that opened. */
    private List<HttpPoster> connect(MultiThreadIoEventLoopGroup group, Map<EventLoop, PostCounters> counters,
            ByteBuf request) throws Exception {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        InetSocketAddress remote = new InetSocketAddress(options.url().getHost(), port(options.url()));
        List<ChannelFuture> futures = new ArrayList<>();
        HttpPoster[] posters = new HttpPoster[options.connections()];
        for (int i = 0; i < posters.length; i++) {
            int index = i;
            futures.add(bootstrap.clone().handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    posters[index] = new HttpPoster(request, counters.get(ch.eventLoop()));
                    ch.pipeline().addLast(new HttpResponseDecoder(), posters[index]);
                }
            }).connect(remote, new InetSocketAddress("127.0.0." + (2 + i % options.sourceAddresses()), 0)));
        }
        List<HttpPoster> ready = new ArrayList<>();
        Map<String, Integer> failures = new TreeMap<>();
        for (int i = 0; i < posters.length; i++) {
            ChannelFuture f = futures.get(i);
            if (!f.await(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                failures.merge("connect: timeout", 1, Integer::sum);
            } else if (f.isSuccess()) {
                ready.add(posters[i]);
            } else {
                failures.merge("connect: " + f.cause().getMessage(), 1, Integer::sum);
            }
        }
        if (!failures.isEmpty()) {
            System.out.println("connections failed: " + failures);
        }
        return ready;
    }

    private int measure(List<HttpPoster> posters, Map<EventLoop, PostCounters> counters, Map<String, String> summary)
            throws Exception {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long measureStart = start + options.warmup().toNanos();
        HttpPoster.Schedule schedule = new HttpPoster.Schedule(measureStart,
                measureStart + options.duration().toNanos(), options.requests());
        for (HttpPoster p : posters) {
            p.executor().execute(() -> p.start(schedule));
        }
        Main.await(Duration.ofNanos(Math.max(0, measureStart - System.nanoTime())));
        long genBefore = Probe.generatorCpuNanos();
        long serverBefore = Probe.processCpuNanos(options.serverPid());
        try {
            schedule.countReached.get(Math.max(0, schedule.measureEnd - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException windowOver) {
            // The window ended by time, the usual case.
        }
        long genAfter = Probe.generatorCpuNanos();
        long serverAfter = Probe.processCpuNanos(options.serverPid());
        double seconds = (schedule.windowEnd() - measureStart) / 1e9;
        Main.await(options.drain());
        PostCounters total = collect(counters);
        PostSummary s = new PostSummary(total, seconds, posters.size(),
                100.0 * (genAfter - genBefore) / (seconds * 1e9),
                serverBefore < 0 || serverAfter < 0 ? -1 : 100.0 * (serverAfter - serverBefore) / (seconds * 1e9));
        System.out.print(s.details());
        s.putInto(summary);
        return total.measuredAnswered > 0 ? 0 : 1;
    }

    /** Each loop's counters, read on that loop once its connections are done. */
    private static PostCounters collect(Map<EventLoop, PostCounters> counters) {
        List<CompletableFuture<PostCounters>> parts = new ArrayList<>();
        counters.forEach((loop, c) -> parts.add(CompletableFuture.supplyAsync(() -> new PostCounters().add(c), loop)));
        PostCounters total = new PostCounters();
        parts.forEach(p -> total.add(p.join()));
        return total;
    }
}
