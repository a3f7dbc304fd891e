package dev.echoport.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Renders {@code /metrics} on a thread of its own, so that a scrape never holds the admin event loop and a probe
 * never waits behind one. Scrapes that ask while a render is pending share it: one render per format serves all
 * of them, and many scrapers cost one render, not one each. Every answer is rendered after its request arrived (never
 * a cached, older scrape), and renders start at least {@code minInterval} apart, which caps the CPU that scraping can
 * take however many clients scrape however fast.
 */
final class MetricsRenderer implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final long minIntervalNanos;
    private final LongSupplier clock;
    private final ScheduledExecutorService thread;
    private final boolean ownThread;
    /** Content type to the render that will serve every scrape asking for it now; guarded by this. */
    private Map<String, CompletableFuture<byte[]>> pending = new HashMap<>();
    private boolean scheduled;
    private boolean closed;
    private long lastStart;
    private volatile long lastRenderNanos;

    /** Renders on a daemon thread of its own, {@code echoport-admin-metrics}. */
    MetricsRenderer(PrometheusMeterRegistry registry, Duration minInterval, LongSupplier nanoClock) {
        this(registry, minInterval, nanoClock, renderThread(), true);
    }

    /** Renders on {@code executor}, which stays the caller's (tests render on an EmbeddedChannel's loop). */
    MetricsRenderer(PrometheusMeterRegistry registry, Duration minInterval, LongSupplier nanoClock,
                    ScheduledExecutorService executor) {
        this(registry, minInterval, nanoClock, executor, false);
    }

    private MetricsRenderer(PrometheusMeterRegistry registry, Duration minInterval, LongSupplier nanoClock,
                            ScheduledExecutorService executor, boolean ownThread) {
        this.registry = registry;
        this.minIntervalNanos = minInterval.toNanos();
        this.clock = nanoClock;
        this.lastStart = nanoClock.getAsLong() - minIntervalNanos;
        this.thread = executor;
        this.ownThread = ownThread;
    }

    private static ScheduledExecutorService renderThread() {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1,
                new DefaultThreadFactory("echoport-admin-metrics", true));
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    /** The registry in {@code contentType}, rendered after this call; completes on the renderer thread. */
    synchronized CompletableFuture<byte[]> render(String contentType) {
        CompletableFuture<byte[]> answer = pending.computeIfAbsent(contentType, t -> new CompletableFuture<>());
        if (!scheduled && !closed) {
            scheduled = true;
            long wait = Math.max(0, lastStart + minIntervalNanos - clock.getAsLong());
            thread.schedule(this::renderPending, wait, TimeUnit.NANOSECONDS);
        }
        return answer;
    }

    /** How long the last render took (for logs and tests). */
    Duration lastRenderTime() {
        return Duration.ofNanos(lastRenderNanos);
    }

    private void renderPending() {
        Map<String, CompletableFuture<byte[]>> batch;
        synchronized (this) {
            batch = pending;
            pending = new HashMap<>();
            scheduled = false;
            lastStart = clock.getAsLong();
        }
        for (Map.Entry<String, CompletableFuture<byte[]>> e : batch.entrySet()) {
            long start = System.nanoTime();
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
                registry.scrape(out, e.getKey());
                e.getValue().complete(out.toByteArray());
            } catch (IOException ex) {
                e.getValue().completeExceptionally(new UncheckedIOException(ex));
            } catch (RuntimeException ex) {
                e.getValue().completeExceptionally(ex);
            }
            lastRenderNanos = System.nanoTime() - start;
        }
    }

    @Override
    public void close() {
        Map<String, CompletableFuture<byte[]>> left;
        synchronized (this) {
            closed = true;
            if (ownThread) {
                thread.shutdownNow();
            }
            left = pending;
            pending = new HashMap<>();
        }
        left.values().forEach(f -> f.completeExceptionally(new CancellationException("admin server stopped")));
        if (ownThread) {
            try {
                thread.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
