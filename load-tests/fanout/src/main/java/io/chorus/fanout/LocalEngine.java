package io.chorus.fanout;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
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
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The connections of this process, on Netty epoll event loops. */
final class LocalEngine implements Engine, Client.Listener {
    /**
     * Handshakes in flight at most per process. Node's listen backlog is 511: with 1,000 in flight
     * from each of three processes, a busy server's accept queue overflowed and ~0.6 % of 19,000
     * connections were reset; the connect rate then adapts to how fast the server accepts.
     */
    private static final int MAX_PENDING = 128;
    private static final long OPENER_PERIOD_MS = 10;

    private final Options options;
    private final Share share;
    private final MultiThreadIoEventLoopGroup group;
    private final Map<EventLoop, LoopState> loops = new IdentityHashMap<>();
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fanout-control");
        t.setDaemon(true);
        return t;
    });
    private final Bootstrap bootstrap;
    private final InetSocketAddress remote;
    private final InetSocketAddress publisherRemote;
    private final SslContext tls;
    private final SslContext publisherTls;
    private final InetSocketAddress[] sources;
    private final AtomicLong attempted = new AtomicLong();
    private final AtomicLong ready = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();

    LocalEngine(Options options, Share share) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll transport unavailable", Epoll.unavailabilityCause());
        }
        this.options = options;
        this.share = share;
        this.group = new MultiThreadIoEventLoopGroup(options.threads(), EpollIoHandler.newFactory());
        for (EventExecutor e : group) {
            loops.put((EventLoop) e, new LoopState((EventLoop) e));
        }
        this.remote = address(options.url());
        this.publisherRemote = address(options.publisherUrl());
        this.tls = ClientTls.forUrl(options.url());
        this.publisherTls = ClientTls.forUrl(options.publisherUrl());
        this.sources = new InetSocketAddress[options.sourceAddresses()];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = new InetSocketAddress("127.0.0." + (2 + i), 0);
        }
        this.bootstrap = new Bootstrap().group(group).channel(EpollSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                // Netty 4.2's default adaptive allocator showed up as ~15 % of the event loop's samples
                // at 100k deliveries/s; the pooled one serves a receive buffer from a thread-local cache.
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                // Let connect() pick the port per (source, destination) pair: 28k ports per source address.
                .option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
    }

    @Override
    public Tally connect() throws Exception {
        int total = share.connections();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long t0 = System.nanoTime();
        int[] opened = {0};
        ScheduledFuture<?> opener = control.scheduleAtFixedRate(() -> {
            long allowed = Math.min(total, 1 + (long) ((System.nanoTime() - t0) * share.connectRate() / 1e9));
            while (opened[0] < allowed && opened[0] - (ready.get() + failed.get()) < MAX_PENDING) {
                open(opened[0]++);
            }
            if (ready.get() + failed.get() >= total) {
                done.complete(null);
            }
        }, 0, OPENER_PERIOD_MS, TimeUnit.MILLISECONDS);
        try {
            done.get(options.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            System.err.printf("connect: %d of %d connections ready after %s%n", ready.get(), total, Main.human(options.connectTimeout()));
        } finally {
            opener.cancel(false);
        }
        return status();
    }

    private static InetSocketAddress address(URI url) {
        return new InetSocketAddress(url.getHost(), Client.port(url));
    }

    private void open(int i) {
        int publisherId = i < share.publishers() ? share.publisherOffset() + i : -1;
        URI url = publisherId >= 0 ? options.publisherUrl() : options.url();
        InetSocketAddress source = sources[(share.connectionOffset() + i) % sources.length];
        attempted.incrementAndGet();
        ChannelFuture f = bootstrap.clone().handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                LoopState loop = loops.get(ch.eventLoop());
                new Client(options.protocol(), options.deflate(), loop, publisherId, LocalEngine.this,
                        share.publisherTotal())
                        .attach(ch, url, publisherId < 0 && options.transport() == Options.Transport.SSE,
                                publisherId >= 0 ? publisherTls : tls);
            }
        }).connect(publisherId >= 0 ? publisherRemote : remote, source);
        f.addListener(r -> {
            if (!r.isSuccess()) {
                Client c = f.channel().attr(Client.KEY_ATTRIBUTE).get();
                if (c != null) {
                    c.connectFailed(r.cause());
                } else {
                    failed(null, "connect: " + r.cause().getMessage());
                }
            }
        });
    }

    @Override
    public void ready(Client client) {
        ready.incrementAndGet();
        if (client.publisherId >= 0) {
            Publisher p = new Publisher(client.publisherId, share.publisherTotal(), client, options.payloadBytes());
            client.publishAs(p);
            client.loop.add(p);
        }
    }

    @Override
    public void failed(Client client, String reason) {
        failed.incrementAndGet();
        failures.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    @Override
    public void closed(Client client) {
        closed.incrementAndGet();
    }

    @Override
    public Tally step(double ratePerPublisher, Duration warmup, Duration measure, Duration drain) throws Exception {
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        long measureStart = start + warmup.toNanos();
        long measureEnd = measureStart + measure.toNanos();
        var plan = new LoopState.StepPlan(start, measureStart, measureEnd, measureEnd + drain.toNanos(), ratePerPublisher);
        long closedBefore = closed.get();
        for (LoopState ls : loops.values()) {
            ls.loop.execute(() -> ls.start(plan));
        }
        long[] cpu = new long[4];
        control.schedule(() -> {
            cpu[0] = Probe.generatorCpuNanos();
            cpu[1] = Probe.processCpuNanos(options.serverPid());
        }, measureStart - System.nanoTime(), TimeUnit.NANOSECONDS);
        control.schedule(() -> {
            cpu[2] = Probe.generatorCpuNanos();
            cpu[3] = Probe.processCpuNanos(options.serverPid());
        }, measureEnd - System.nanoTime(), TimeUnit.NANOSECONDS);
        long settle = plan.end() + TimeUnit.MILLISECONDS.toNanos(50) - System.nanoTime();
        Tally t = control.schedule(this::collect, settle, TimeUnit.NANOSECONDS)
                .get(settle + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS).get(30, TimeUnit.SECONDS);
        t.closedDuringStep = closed.get() - closedBefore;
        t.generatorCpuNanos = cpu[2] - cpu[0];
        t.serverCpuNanos = cpu[1] < 0 || cpu[3] < 0 ? -1 : cpu[3] - cpu[1];
        t.measureNanos = measureEnd - measureStart;
        return t;
    }

    @Override
    public Tally status() throws Exception {
        return collect().get(30, TimeUnit.SECONDS);
    }

    /** Drains every loop's counters on its own thread and adds the connection counters. */
    private CompletableFuture<Tally> collect() {
        List<CompletableFuture<Tally>> parts = new ArrayList<>();
        for (LoopState ls : loops.values()) {
            ls.loop.execute(ls::stop);
            parts.add(CompletableFuture.supplyAsync(ls.tally::drain, ls.loop));
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).thenApply(v -> {
            Tally t = new Tally();
            parts.forEach(p -> t.add(p.join()));
            t.connectionsAttempted = attempted.get();
            t.connectionsReady = ready.get();
            t.connectionsFailed = failed.get();
            t.connectionsOpen = ready.get() - closed.get();
            t.generatorCores = Runtime.getRuntime().availableProcessors();
            failures.forEach((reason, n) -> t.addFailure(reason, n.sum()));
            return t;
        });
    }

    @Override
    public void close() {
        control.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(15, TimeUnit.SECONDS);
    }
}
