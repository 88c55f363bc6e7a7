package io.chorus.fanout;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** What one event loop owns: its counters and its publishers. Touched only from that loop. */
final class LoopState {
    /** Pacing tick: every publisher catches up with its schedule once per millisecond. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    final EventLoop loop;
    final Tally tally = new Tally();
    private final List<Publisher> publishers = new ArrayList<>();
    private FrameInflater inflater;
    private ScheduledFuture<?> pacer;
    private long lastTick;

    LoopState(EventLoop loop) {
        this.loop = loop;
    }

    /** The loop's inflater for servers that keep no context between compressed messages; made on first use. */
    FrameInflater sharedInflater() {
        if (inflater == null) {
            inflater = new FrameInflater(true);
        }
        return inflater;
    }

    void add(Publisher p) {
        publishers.add(p);
    }

    /**
     * Starts pacing the publishers of this loop for one step (call on the loop). The step's counters start
     * empty: what arrived since the last step was collected, such as the late deliveries of a step that fell
     * behind during a ramp's recovery pause, is no step's (counted, it made the retried step's loss negative).
     */
    void start(StepPlan plan) {
        tally.drain();
        publishers.forEach(Publisher::startStep);
        lastTick = 0;
        pacer = loop.scheduleAtFixedRate(() -> tick(plan), 0, TICK_NANOS, TimeUnit.NANOSECONDS);
    }

    void stop() {
        if (pacer != null) {
            pacer.cancel(false);
            pacer = null;
        }
    }

    private void tick(StepPlan plan) {
        long now = System.nanoTime();
        if (now < plan.start()) {
            return;
        }
        if (now >= plan.end()) {
            stop();
            return;
        }
        boolean measured = now >= plan.measureStart() && now < plan.measureEnd();
        if (measured && lastTick != 0) {
            tally.maxTickGapNanos = Math.max(tally.maxTickGapNanos, now - lastTick);
        }
        lastTick = now;
        long elapsed = now - plan.start();
        for (Publisher p : publishers) {
            p.tick(elapsed, plan.ratePerPublisher(), now, measured, tally);
        }
    }

    /** A step's schedule, in System.nanoTime() values. */
    record StepPlan(long start, long measureStart, long measureEnd, long end, double ratePerPublisher) {
    }
}
