package dev.echoport.admission;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Turns a flood of rejections into at most one line per second per reason, e.g.
 * {@code rejected 42 connections: max-connections 1000 reached}. A rejection schedules a flush one second later; the
 * flush logs what gathered since, so the last rejections of a burst are logged too.
 */
public final class RejectionLog {
    private static final Logger log = LoggerFactory.getLogger(RejectionLog.class);

    private final Map<RejectReason, LongAdder> pending = new EnumMap<>(RejectReason.class);
    private final AtomicBoolean flushScheduled = new AtomicBoolean();
    private final ScheduledExecutorService executor;
    private final Function<RejectReason, String> explain;

    /**
     * @param executor runs the flush
     * @param explain  the text after the colon for a reason, from the rules in force ("max-connections 1000 reached")
     */
    public RejectionLog(ScheduledExecutorService executor, Function<RejectReason, String> explain) {
        this.executor = executor;
        this.explain = explain;
        for (RejectReason r : RejectReason.values()) {
            pending.put(r, new LongAdder());
        }
    }

    public void record(RejectReason reason) {
        pending.get(reason).increment();
        if (flushScheduled.compareAndSet(false, true)) {
            try {
                executor.schedule(this::flush, 1, TimeUnit.SECONDS);
            } catch (RuntimeException rejectedAtShutdown) {
                flush();
            }
        }
    }

    /** Logs and clears what gathered; public so a stopping server can say its last words. */
    public void flush() {
        flushScheduled.set(false);
        for (Map.Entry<RejectReason, LongAdder> e : pending.entrySet()) {
            long n = e.getValue().sumThenReset();
            if (n > 0) {
                log.warn("rejected {} connection{}: {}", n, n == 1 ? "" : "s", explain.apply(e.getKey()));
            }
        }
    }
}
