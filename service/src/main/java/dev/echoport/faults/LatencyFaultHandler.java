package dev.echoport.faults;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * faults.latency (± faults.latency-jitter): every echo write leaves that long after it was made. A write never
 * overtakes the one before it: when a short draw follows a long one it waits for it, so order (and with it every
 * byte) is kept and jitter only ever adds to a delay it would have cut.
 */
final class LatencyFaultHandler extends HoldingFaultHandler {
    private final long latencyNanos;
    private final long jitterNanos;
    /** When each held write may leave, oldest first: one entry per held write. */
    private final ArrayDeque<Long> due = new ArrayDeque<>();
    private long lastDue = Long.MIN_VALUE;

    LatencyFaultHandler(Duration latency, Duration jitter, boolean threadPerConnection) {
        super(threadPerConnection);
        this.latencyNanos = latency.toNanos();
        this.jitterNanos = jitter.toNanos();
    }

    @Override
    void held(long nowNanos) {
        long delay = jitterNanos == 0 ? latencyNanos
                : latencyNanos + ThreadLocalRandom.current().nextLong(-jitterNanos, jitterNanos + 1);
        long at = nowNanos + delay;
        lastDue = due.isEmpty() || at - lastDue > 0 ? at : lastDue;
        due.addLast(lastDue);
    }

    @Override
    long release(long nowNanos) {
        boolean wrote = false;
        while (!due.isEmpty() && due.peekFirst() - nowNanos <= 0) {
            due.pollFirst();
            held.releaseOldest();
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        return due.isEmpty() ? -1 : due.peekFirst() - nowNanos;
    }

    @Override
    void discarded() {
        due.clear();
    }
}
