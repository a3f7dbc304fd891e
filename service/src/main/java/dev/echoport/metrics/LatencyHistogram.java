package dev.echoport.metrics;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket latency histogram for the echo hot path: one striped counter ({@link LongAdder}) per bucket and one
 * for the sum, so recording is a short bucket search and two uncontended adds. No clock read, no lock, no allocation.
 *
 * <p>Why not a Micrometer {@code Timer}: with the Prometheus registry each {@code record} also keeps a time-windowed
 * max and a time-windowed histogram (reading the wall clock for both) and increments a shared atomic array. Measured
 * on this project's 2-core machine: about 400 ns per record from one thread and 1.4 us from four (the event loops),
 * against 60 ns and 150 ns here; with one record per round trip that was 3-10% of echoport's CPU per round trip at
 * 1,000 x 512 B. The exposition is the same histogram (buckets, {@code _count}, {@code _sum}); only the
 * {@code _max} gauge, which no dashboard or alert uses, is gone.
 */
public final class LatencyHistogram {
    private final long[] upperNanos;
    private final double[] upperSeconds;
    private final LongAdder[] counts;
    private final LongAdder sumNanos = new LongAdder();

    /** @param buckets the upper bounds, ascending; a last bucket for everything above is added */
    public LatencyHistogram(Duration... buckets) {
        upperNanos = new long[buckets.length];
        upperSeconds = new double[buckets.length + 1];
        counts = new LongAdder[buckets.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            upperNanos[i] = buckets[i].toNanos();
            upperSeconds[i] = upperNanos[i] / 1e9;
            if (i > 0 && upperNanos[i] <= upperNanos[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must ascend: " + buckets[i - 1] + ", " + buckets[i]);
            }
        }
        upperSeconds[buckets.length] = Double.POSITIVE_INFINITY;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /** Counts one observation; a negative one (a clock that went back) counts as 0. */
    public void record(long nanos) {
        long v = Math.max(0, nanos);
        int i = 0;
        while (i < upperNanos.length && v > upperNanos[i]) { // echo latencies sit in the first few buckets
            i++;
        }
        counts[i].increment();
        sumNanos.add(v);
    }

    /** Observations so far. */
    public long count() {
        long n = 0;
        for (LongAdder c : counts) {
            n += c.sum();
        }
        return n;
    }

    public double sumNanos() {
        return sumNanos.sum();
    }

    /** Observations per bucket (not cumulative), the last one above every bound. */
    long[] bucketCounts() {
        long[] c = new long[counts.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = counts[i].sum();
        }
        return c;
    }

    /** The histogram as Prometheus shows it, in seconds. */
    HistogramSnapshot snapshot(String prometheusName, String help, Labels labels) {
        long[] c = bucketCounts();
        return HistogramSnapshot.builder().name(prometheusName).help(help)
                .dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(upperSeconds, c))
                        .sum(sumNanos.sum() / 1e9).labels(labels).build())
                .build();
    }
}
