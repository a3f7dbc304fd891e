package dev.echoport.loadgen;

import dev.echoport.transport.Transport;
import io.netty.channel.EventLoop;
import org.HdrHistogram.Histogram;

import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Turns a stopped, drained run into its {@link RunDetails}: merges every client loop's statistics (copied on the loop
 * itself, which alone writes them) with the run's connection counts, and judges whether the client was saturated.
 */
final class RunSummarizer {
    private static final double SATURATED_BUSY = 0.90;
    private static final long SATURATED_TICK_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Map<EventLoop, LoopStats> loopStats;
    private final RunState run;
    private final Transport transport;
    private final int threads;

    RunSummarizer(Map<EventLoop, LoopStats> loopStats, RunState run, Transport transport, int threads) {
        this.loopStats = loopStats;
        this.run = run;
        this.transport = transport;
        this.threads = threads;
    }

    /**
     * @param measureStart when the measured window began
     * @param stopNanos    when traffic was told to stop (the window's end unless measured echoes came back later)
     * @param busiest      CPU share of the busiest client loop over the window
     * @param stalled      a message-count run stopped because round trips no longer advanced
     * @param drained      every message in flight came back before the timeout
     */
    RunDetails summarize(long measureStart, long stopNanos, double busiest, boolean stalled, boolean drained)
            throws InterruptedException {
        Histogram latency = new Histogram(3);
        Histogram tickLag = new Histogram(2);
        long rt = 0, sent = 0, received = 0, mism = 0, mSent = 0, mReceived = 0, lastCompletion = stopNanos;
        for (Map.Entry<EventLoop, LoopStats> e : loopStats.entrySet()) {
            LoopStats.Snapshot s;
            try {
                s = e.getKey().submit(e.getValue()::snapshot).get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException ex) {
                throw new IllegalStateException("client event loop did not answer: " + ex, ex);
            }
            latency.add(s.latency());
            tickLag.add(s.tickLag());
            rt += s.measuredRoundTrips();
            sent += s.bytesSent();
            received += s.bytesReceived();
            mism += s.mismatches();
            mSent += s.measuredBytesSent();
            mReceived += s.measuredBytesReceived();
            lastCompletion = Math.max(lastCompletion, s.lastMeasuredCompletionNanos());
        }
        double seconds = Math.max(1e-9, (lastCompletion - measureStart) / 1e9);
        long tickLagP99 = tickLag.getTotalCount() == 0 ? 0 : tickLag.getValueAtPercentile(99);
        boolean saturated = busiest >= SATURATED_BUSY || tickLagP99 > SATURATED_TICK_LAG_NANOS;
        LoadReport.Latency lat = latency.getTotalCount() == 0 ? LoadReport.Latency.NONE : new LoadReport.Latency(
                micros(latency.getValueAtPercentile(50)), micros(latency.getValueAtPercentile(90)),
                micros(latency.getValueAtPercentile(99)), micros(latency.getValueAtPercentile(99.9)),
                micros(latency.getMaxValue()), latency.getTotalCount());
        // A connection the server closed before its first echo was refused: opened, but counted as a failure.
        long refused = run.refusedAfterConnect();
        LoadReport report = new LoadReport(run.connectsSucceeded() - refused, run.connectErrors() + refused,
                run.resets(), mism, rt, sent, received, seconds, rt / seconds, mSent / 1e6 / seconds,
                mReceived / 1e6 / seconds, lat, saturated, run.serverEnds());
        return new RunDetails(report, transport.configName(), threads, busiest, tickLagP99 / 1000, stalled, drained,
                run.firstError());
    }

    private static long micros(long nanos) {
        return (nanos + 500) / 1000;
    }
}
