package dev.echoport.loadgen;

import io.netty.channel.EventLoop;

import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Tells a {@link ProgressListener} how a run is going once a second, from a daemon thread of its own. It reads only
 * the loops' volatile counters, so it never waits for (or slows) an event loop.
 */
final class ProgressTicker implements AutoCloseable {
    private final ScheduledExecutorService ticker;

    private ProgressTicker(ScheduledExecutorService ticker) {
        this.ticker = ticker;
    }

    /** @param runStartNanos when the run began (its first connect): elapsed time counts from there */
    static ProgressTicker start(ProgressListener listener, Map<EventLoop, LoopStats> loopStats, RunState run,
            long runStartNanos) {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadgen-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(() -> {
            long rt = 0, sent = 0, received = 0, mism = 0;
            for (LoopStats s : loopStats.values()) {
                rt += s.allRoundTrips;
                sent += s.bytesSent;
                received += s.bytesReceived;
                mism += s.mismatches;
            }
            String name = run.phase().progressName();
            listener.progress(new ProgressListener.Progress((System.nanoTime() - runStartNanos) / 1e9, name, rt,
                    sent, received, run.alive(), mism));
        }, 1, 1, TimeUnit.SECONDS);
        return new ProgressTicker(ticker);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
