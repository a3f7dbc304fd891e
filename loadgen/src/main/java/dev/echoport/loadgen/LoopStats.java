package dev.echoport.loadgen;

import org.HdrHistogram.Histogram;

import java.util.concurrent.TimeUnit;

/**
 * Counters and the latency histogram of one client event loop. Written only by that loop's thread (no contention on
 * the data path); the volatile counters may be read by the progress line at any time, the rest only by a task that
 * runs on the loop.
 */
final class LoopStats {
    /** Latencies are recorded in nanoseconds, up to a minute, to 3 significant digits. */
    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);

    final Histogram latency = new Histogram(MAX_LATENCY_NANOS, 3);
    /** How late the open-loop ticks fired, in nanoseconds: the client's own lag. */
    final Histogram tickLag = new Histogram(MAX_LATENCY_NANOS, 2);
    volatile long measuredRoundTrips;
    volatile long allRoundTrips;
    volatile long bytesSent;
    volatile long bytesReceived;
    volatile long mismatches;
    long measuredBytesSent;
    long measuredBytesReceived;
    long lastMeasuredCompletionNanos;

    void recordLatency(long nanos) {
        latency.recordValue(Math.min(Math.max(nanos, 0), MAX_LATENCY_NANOS));
    }

    void recordTickLag(long nanos) {
        tickLag.recordValue(Math.min(Math.max(nanos, 0), MAX_LATENCY_NANOS));
    }

    /** A copy made on the loop thread, safe to merge on another. */
    Snapshot snapshot() {
        return new Snapshot(latency.copy(), tickLag.copy(), measuredRoundTrips, bytesSent, bytesReceived, mismatches,
                measuredBytesSent, measuredBytesReceived, lastMeasuredCompletionNanos);
    }

    record Snapshot(Histogram latency, Histogram tickLag, long measuredRoundTrips, long bytesSent, long bytesReceived,
            long mismatches, long measuredBytesSent, long measuredBytesReceived, long lastMeasuredCompletionNanos) {
    }
}
