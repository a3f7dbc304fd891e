package dev.echoport.loadgen;

import dev.echoport.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.HdrHistogram.Histogram;

import java.net.ConnectException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * One load run from first connect to last close: opens the connections (paced), starts traffic, switches from warm-up
 * to the measured window, stops, waits for every message in flight, closes everything and merges the statistics.
 *
 * <p>Also usable in parts ({@link #open()}, {@link #pingAll(Duration)}, {@link #close()}) to hold idle connections.
 */
public final class LoadSession implements AutoCloseable {
    /** What a connection may do with the next message it wants to send. */
    enum Claim { WARMUP, MEASURED, STOP }

    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
    /** With --messages: a run whose round trips stop advancing for this long ends (and says so). */
    static final Duration STALL_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_CONNECTS_IN_PROGRESS = 512;
    private static final double SATURATED_BUSY = 0.90;
    private static final long SATURATED_TICK_LAG_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private static final int PHASE_IDLE = 0;
    private static final int PHASE_WARMUP = 1;
    private static final int PHASE_MEASURED = 2;
    private static final int PHASE_STOPPED = 3;

    private final LoadOptions options;
    private final io.netty.handler.ssl.SslContext tls;
    private final Transport transport;
    private final int threads;
    private final EventLoopGroup group;
    private final EchoPattern pattern;
    private final Map<EventLoop, LoopStats> loopStats = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<ConnectionHandler> handlers = new ConcurrentLinkedQueue<>();
    private final List<Channel> channels = new ArrayList<>();
    private final AtomicLong connectsSucceeded = new AtomicLong();
    private final AtomicLong connectErrors = new AtomicLong();
    private final AtomicLong refusedAfterConnect = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final ServerEnds.Collector serverEnds = new ServerEnds.Collector();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final CountDownLatch allDead = new CountDownLatch(1);
    private final CountDownLatch exhausted = new CountDownLatch(1);
    private final AtomicLong remaining;
    private volatile CountDownLatch pings;
    private volatile int phase = PHASE_IDLE;
    private volatile long runStartNanos;
    private long connectIndex;

    /** Resolves the client transport and creates its event loops; throws IllegalArgumentException for bad options. */
    public LoadSession(LoadOptions options) {
        this(options, null);
    }

    /** @param tls when not null, every connection speaks TLS with this client context (echo verified in plain text) */
    public LoadSession(LoadOptions options, io.netty.handler.ssl.SslContext tls) {
        this.tls = tls;
        this.options = options.validate();
        this.transport = ClientTransport.resolve(options.transport());
        this.threads = ClientTransport.threads(transport, options);
        this.remaining = options.totalMessages() > 0 ? new AtomicLong(options.totalMessages()) : null;
        this.pattern = new EchoPattern(0x5eed_ec40L, !options.expectPrefix().isEmpty());
        this.group = transport.newEventLoopGroup(threads, "loadgen");
    }

    LoadOptions options() {
        return options;
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
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        long index;
                        synchronized (LoadSession.this) {
                            index = connectIndex++;
                        }
                        LoopStats stats = loopStats.computeIfAbsent(ch.eventLoop(), l -> new LoopStats());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), options.host(), options.port()));
                        }
                        ch.pipeline().addLast(new ConnectionHandler(LoadSession.this, stats, pattern, index));
                    }
                });
        if (transport.isThreadPerConnection()) {
            // OIO loops run their tasks (the open-loop schedule, stop) only between blocking reads: wake often.
            bootstrap.option(ChannelOption.SO_TIMEOUT, 1);
        }
        int n = options.connections();
        CountDownLatch attempted = new CountDownLatch(n);
        Semaphore inProgress = new Semaphore(MAX_CONNECTS_IN_PROGRESS);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (options.connectRate() > 0) {
                long due = start + (long) (i * 1e9 / options.connectRate());
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait); // pacing the connect rate, not waiting for an event
                }
            }
            inProgress.acquire();
            ChannelFuture f = bootstrap.connect(options.host(), options.port());
            synchronized (channels) {
                channels.add(f.channel());
            }
            f.addListener(done -> {
                inProgress.release();
                if (done.isSuccess()) {
                    connectsSucceeded.incrementAndGet();
                    // Netty completes the connect promise before it fires channelActive (which registers the
                    // connection): a task queued now runs after both.
                    f.channel().eventLoop().execute(attempted::countDown);
                } else {
                    connectErrors.incrementAndGet();
                    noteError("connect to " + options.host() + ":" + options.port() + ": " + describe(done.cause()));
                    attempted.countDown();
                }
            });
        }
        attempted.await(); // each attempt ends by itself within CONNECT_TIMEOUT
        if (alive.get() == 0) {
            allDead.countDown();
        }
        return handlers.size();
    }

    /** Sends one message on every open connection and waits until all are echoed (or closed). */
    public boolean pingAll(Duration timeout) throws InterruptedException {
        CountDownLatch latch = new CountDownLatch(handlers.size());
        pings = latch;
        for (ConnectionHandler h : handlers) {
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
        List<ConnectionHandler> all = new ArrayList<>(handlers);
        long rateIntervalNanos = options.openLoop()
                ? (long) (1e9 * options.connections() / options.targetRate()) : 0;
        ScheduledExecutorService ticker = progress == null ? null : startProgress(progress);
        try {
            phase = options.warmup().isZero() ? PHASE_MEASURED : PHASE_WARMUP;
            if (phase == PHASE_MEASURED) {
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
            if (phase == PHASE_WARMUP) {
                allDead.await(options.warmup().toNanos(), TimeUnit.NANOSECONDS);
                window.started();
                measureStart = System.nanoTime();
                busy = LoopBusyMeter.start(all.stream().map(h -> h.ctxExecutor()).toList());
                phase = PHASE_MEASURED;
            }
            boolean stalled = false;
            if (remaining != null) {
                stalled = !awaitExhausted();
            } else {
                allDead.await(options.duration().toNanos(), TimeUnit.NANOSECONDS);
            }
            long stopNanos = System.nanoTime();
            phase = PHASE_STOPPED;
            window.stopped();
            double busiest = busy.busiestFraction();
            for (ConnectionHandler h : all) {
                h.ctxExecutor().execute(h::stop);
            }
            boolean drained = awaitAll(all.stream().map(ConnectionHandler::finished).toList(), DRAIN_TIMEOUT);
            return summarize(measureStart, stopNanos, busiest, stalled, drained);
        } finally {
            if (ticker != null) {
                ticker.shutdownNow();
            }
        }
    }

    private boolean awaitExhausted() throws InterruptedException {
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (!exhausted.await(200, TimeUnit.MILLISECONDS)) {
            if (allDead.getCount() == 0) {
                return true;
            }
            long count = totalRoundTripsSoFar();
            if (count != lastCount) {
                lastCount = count;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                noteError("no round trip completed for " + STALL_TIMEOUT.toSeconds() + " s: run stopped");
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

    private RunDetails summarize(long measureStart, long stopNanos, double busiest, boolean stalled, boolean drained)
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
        long refused = refusedAfterConnect.get();
        LoadReport report = new LoadReport(connectsSucceeded.get() - refused, connectErrors.get() + refused,
                resets.get(), mism, rt, sent, received, seconds, rt / seconds, mSent / 1e6 / seconds,
                mReceived / 1e6 / seconds, lat, saturated, serverEnds.snapshot());
        return new RunDetails(report, transport.configName(), threads, busiest, tickLagP99 / 1000, stalled, drained,
                firstError.get());
    }

    private static long micros(long nanos) {
        return (nanos + 500) / 1000;
    }

    private long totalRoundTripsSoFar() {
        long n = 0;
        for (LoopStats s : loopStats.values()) {
            n += s.allRoundTrips;
        }
        return n;
    }

    private ScheduledExecutorService startProgress(ProgressListener listener) {
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
            int p = phase;
            String name = p == PHASE_WARMUP ? "warm-up" : p == PHASE_MEASURED ? "measuring" : "stopping";
            listener.progress(new ProgressListener.Progress((System.nanoTime() - runStartNanos) / 1e9, name, rt,
                    sent, received, alive.get(), mism));
        }, 1, 1, TimeUnit.SECONDS);
        return ticker;
    }

    // --- called by the connections, on their event loops ---

    void connected(ConnectionHandler h) {
        alive.incrementAndGet();
        handlers.add(h);
    }

    Claim claim() {
        int p = phase;
        if (p == PHASE_WARMUP) {
            return Claim.WARMUP;
        }
        if (p != PHASE_MEASURED) {
            return Claim.STOP;
        }
        if (remaining != null) {
            long left = remaining.getAndDecrement();
            if (left <= 1) {
                exhausted.countDown();
            }
            if (left <= 0) {
                return Claim.STOP;
            }
        }
        return Claim.MEASURED;
    }

    /**
     * @param reset       the connection ended with a reset (else EOF)
     * @param bytesBefore echo bytes the connection had received when it ended
     */
    void died(boolean admitted, boolean reset, long bytesBefore, SocketAddress peer) {
        if (admitted) {
            resets.incrementAndGet();
            serverEnds.ended(reset, bytesBefore);
            noteError("connection to " + peer + (reset ? " reset" : " closed") + " by the server during the run,"
                    + " after " + bytesBefore + " echo bytes");
        } else {
            refusedAfterConnect.incrementAndGet();
            noteError("connection to " + peer + " closed by the server before its first echo (refused)");
        }
        if (alive.decrementAndGet() == 0 && phase != PHASE_IDLE) {
            allDead.countDown();
        }
    }

    void pingDone() {
        CountDownLatch l = pings;
        if (l != null) {
            l.countDown();
        }
    }

    void noteError(String message) {
        firstError.compareAndSet(null, message);
    }

    /** Closes every connection (as the end of the run, not an error) and the client's event loops. */
    @Override
    public void close() {
        phase = PHASE_STOPPED;
        List<ChannelFuture> closing = new ArrayList<>();
        for (ConnectionHandler h : handlers) {
            h.ctxExecutor().execute(h::closeQuietly); // runs before the close below: the loop keeps task order
        }
        synchronized (channels) {
            for (Channel c : channels) {
                closing.add(c.close());
            }
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(CONNECT_TIMEOUT.toMillis());
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        pattern.close();
    }

    /** Live connections right now. */
    public int aliveConnections() {
        return alive.get();
    }

    Collection<ConnectionHandler> handlers() {
        return handlers;
    }

    static String describe(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
