package dev.echoport.loadgen;

import dev.echoport.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One load run from first connect to last close: opens the connections (paced), starts traffic, switches from warm-up
 * to the measured window, stops, waits for every message in flight, closes everything and merges the statistics.
 * The parts live beside it: {@link PacedConnector} opens and closes the connections, {@link RunState} is what they
 * report to, {@link RunSummarizer} assembles the result and {@link ProgressTicker} reports along the way.
 *
 * <p>Also usable in parts ({@link #open()}, {@link #pingAll(Duration)}, {@link #close()}) to hold idle connections.
 */
public final class LoadSession implements AutoCloseable {
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** With --messages: a run whose round trips stop advancing for this long ends (and says so). */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(10);

    private final LoadOptions options;
    private final Transport transport;
    private final int threads;
    private final EventLoopGroup group;
    private final EchoPattern pattern;
    private final Map<EventLoop, LoopStats> loopStats = new ConcurrentHashMap<>();
    private final RunState run;
    private final PacedConnector connector;
    private final RunSummarizer summarizer;
    private volatile long runStartNanos;

    /** Resolves the client transport and creates its event loops; throws IllegalArgumentException for bad options. */
    public LoadSession(LoadOptions options) {
        this(options, null);
    }

    /** @param tls when not null, every connection speaks TLS with this client context (echo verified in plain text) */
    public LoadSession(LoadOptions options, SslContext tls) {
        this.options = options.validate();
        this.transport = ClientTransport.resolve(options.transport());
        this.threads = ClientTransport.threads(transport, options);
        this.run = new RunState(options.totalMessages());
        this.pattern = new EchoPattern(0x5eed_ec40L, !options.expectPrefix().isEmpty());
        this.group = transport.newEventLoopGroup(threads, "loadgen");
        this.connector = new PacedConnector(options, tls, transport, group, pattern, run, loopStats);
        this.summarizer = new RunSummarizer(loopStats, run, transport, threads);
    }

    public Transport transport() {
        return transport;
    }

    public int threads() {
        return threads;
    }

    /** Opens every connection, paced by the connect rate; returns how many are established. */
    public int open() throws InterruptedException {
        runStartNanos = System.nanoTime();
        connector.connectAll();
        run.connectsAttempted();
        return run.handlers().size();
    }

    /** Sends one message on every open connection and waits until all are echoed (or closed). */
    public boolean pingAll(Duration timeout) throws InterruptedException {
        CountDownLatch latch = run.expectPings();
        for (ConnectionHandler h : run.handlers()) {
            h.ctxExecutor().execute(h::ping);
        }
        return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Runs traffic as the options say, then stops and drains; the connections stay open until {@link #close()}. */
    public RunDetails drive(ProgressListener progress) throws InterruptedException {
        return drive(progress, MeasuredWindow.NONE);
    }

    /** As {@link #drive(ProgressListener)}, telling {@code window} when the measured window starts and ends. */
    public RunDetails drive(ProgressListener progress, MeasuredWindow window) throws InterruptedException {
        List<ConnectionHandler> all = new ArrayList<>(run.handlers());
        long rateIntervalNanos = options.openLoop()
                ? (long) (1e9 * options.connections() / options.targetRate()) : 0;
        ProgressTicker ticker = progress == null ? null
                : ProgressTicker.start(progress, loopStats, run, runStartNanos);
        try {
            run.enter(options.warmup().isZero() ? RunState.Phase.MEASURED : RunState.Phase.WARMUP);
            if (run.phase() == RunState.Phase.MEASURED) {
                window.started();
            }
            long measureStart = System.nanoTime();
            LoopBusyMeter busy = LoopBusyMeter.start(all.stream().map(h -> h.ctxExecutor()).toList());
            long base = System.nanoTime();
            for (int i = 0; i < all.size(); i++) {
                ConnectionHandler h = all.get(i);
                // Spread the connections' schedules over one interval so they do not all send at once.
                long first = base + (all.isEmpty() ? 0 : rateIntervalNanos * i / all.size());
                h.ctxExecutor().execute(() -> h.start(first, rateIntervalNanos));
            }
            if (run.phase() == RunState.Phase.WARMUP) {
                run.awaitAllDead(options.warmup().toNanos());
                window.started();
                measureStart = System.nanoTime();
                busy = LoopBusyMeter.start(all.stream().map(h -> h.ctxExecutor()).toList());
                run.enter(RunState.Phase.MEASURED);
            }
            boolean stalled = false;
            if (run.countsMessages()) {
                stalled = !awaitExhausted();
            } else {
                run.awaitAllDead(options.duration().toNanos());
            }
            long stopNanos = System.nanoTime();
            run.enter(RunState.Phase.STOPPED);
            window.stopped();
            double busiest = busy.busiestFraction();
            for (ConnectionHandler h : all) {
                h.ctxExecutor().execute(h::stop);
            }
            boolean drained = awaitAll(all.stream().map(ConnectionHandler::finished).toList(), DRAIN_TIMEOUT);
            return summarizer.summarize(measureStart, stopNanos, busiest, stalled, drained);
        } finally {
            if (ticker != null) {
                ticker.close();
            }
        }
    }

    /** Waits for the last measured message to be claimed; false if round trips stopped advancing first. */
    private boolean awaitExhausted() throws InterruptedException {
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (!run.awaitExhausted(200)) {
            if (run.allDead()) {
                return true;
            }
            long count = totalRoundTripsSoFar();
            if (count != lastCount) {
                lastCount = count;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                run.noteError("no round trip completed for " + STALL_TIMEOUT.toSeconds() + " s: run stopped");
                return false;
            }
        }
        return true;
    }

    private static boolean awaitAll(List<CompletableFuture<Void>> futures, Duration timeout)
            throws InterruptedException {
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private long totalRoundTripsSoFar() {
        long n = 0;
        for (LoopStats s : loopStats.values()) {
            n += s.allRoundTrips;
        }
        return n;
    }

    /** Closes every connection (as the end of the run, not an error) and the client's event loops. */
    @Override
    public void close() {
        run.enter(RunState.Phase.STOPPED);
        for (ConnectionHandler h : run.handlers()) {
            // Runs before the connector's close below: the loop keeps task order.
            h.ctxExecutor().execute(h::closeQuietly);
        }
        connector.closeAll();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        pattern.close();
    }

    /** Live connections right now. */
    public int aliveConnections() {
        return run.alive();
    }
}
