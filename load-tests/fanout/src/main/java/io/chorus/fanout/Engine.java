package io.chorus.fanout;

import java.time.Duration;

/** The connections of one run, whether they live in this process or in child processes. */
interface Engine extends AutoCloseable {
    /** Opens every connection at the configured rate and waits until each is ready or has failed. */
    Tally connect() throws Exception;

    /** Runs one paced step: warm-up, measurement window, drain; returns the window's counters. */
    Tally step(double ratePerPublisher, Duration warmup, Duration measure, Duration drain) throws Exception;

    /** Connection counters right now. */
    Tally status() throws Exception;

    @Override
    void close();
}
