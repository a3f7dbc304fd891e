package dev.echoport.loadgen;

import java.net.SocketAddress;
import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the connections of one run report to, from their event loops, and what the thread driving the run reads: the
 * phase (whether a connection may send and whether that message is measured), the live connections, how connections
 * failed or ended, the first error, and the latches the driver waits on. Kept apart from {@link LoadSession} so that
 * the connections see only this, never the session's set-up or orchestration.
 */
final class RunState {
    /** What a connection may do with the next message it wants to send. */
    enum Claim { WARMUP, MEASURED, STOP }

    /** Where the run is; IDLE until traffic starts, so connections that die while merely open end nothing. */
    enum Phase {
        IDLE, WARMUP, MEASURED, STOPPED;

        /** For the progress line. */
        String progressName() {
            return this == WARMUP ? "warm-up" : this == MEASURED ? "measuring" : "stopping";
        }
    }

    private final ConcurrentLinkedQueue<ConnectionHandler> handlers = new ConcurrentLinkedQueue<>();
    private final AtomicLong connectsSucceeded = new AtomicLong();
    private final AtomicLong connectErrors = new AtomicLong();
    private final AtomicLong refusedAfterConnect = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final ServerEnds.Collector serverEnds = new ServerEnds.Collector();
    private final AtomicInteger alive = new AtomicInteger();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final CountDownLatch allDead = new CountDownLatch(1);
    private final CountDownLatch exhausted = new CountDownLatch(1);
    /** Measured messages left to claim with a message count; null when the run is timed. */
    private final AtomicLong remaining;
    private volatile CountDownLatch pings;
    private volatile Phase phase = Phase.IDLE;

    /** @param totalMessages measured messages for the whole run; 0 = run for a duration instead */
    RunState(long totalMessages) {
        this.remaining = totalMessages > 0 ? new AtomicLong(totalMessages) : null;
    }

    // --- the driving thread ---

    Phase phase() {
        return phase;
    }

    void enter(Phase next) {
        phase = next;
    }

    boolean countsMessages() {
        return remaining != null;
    }

    /** Every connection attempt has ended: with none alive, nothing will ever count the last one down. */
    void connectsAttempted() {
        if (alive.get() == 0) {
            allDead.countDown();
        }
    }

    /** Waits up to {@code nanos}, or less if every connection has died. */
    void awaitAllDead(long nanos) throws InterruptedException {
        allDead.await(nanos, TimeUnit.NANOSECONDS);
    }

    boolean allDead() {
        return allDead.getCount() == 0;
    }

    /** Whether the last measured message was claimed within {@code millis}. */
    boolean awaitExhausted(long millis) throws InterruptedException {
        return exhausted.await(millis, TimeUnit.MILLISECONDS);
    }

    /** A latch each open connection counts down once its ping is echoed (or it closes). */
    CountDownLatch expectPings() {
        CountDownLatch latch = new CountDownLatch(handlers.size());
        pings = latch;
        return latch;
    }

    void connectSucceeded() {
        connectsSucceeded.incrementAndGet();
    }

    void connectFailed(String message) {
        connectErrors.incrementAndGet();
        noteError(message);
    }

    Collection<ConnectionHandler> handlers() {
        return handlers;
    }

    int alive() {
        return alive.get();
    }

    long connectsSucceeded() {
        return connectsSucceeded.get();
    }

    long connectErrors() {
        return connectErrors.get();
    }

    long refusedAfterConnect() {
        return refusedAfterConnect.get();
    }

    long resets() {
        return resets.get();
    }

    ServerEnds serverEnds() {
        return serverEnds.snapshot();
    }

    String firstError() {
        return firstError.get();
    }

    // --- called by the connections, on their event loops ---

    void connected(ConnectionHandler h) {
        alive.incrementAndGet();
        handlers.add(h);
    }

    Claim claim() {
        Phase p = phase;
        if (p == Phase.WARMUP) {
            return Claim.WARMUP;
        }
        if (p != Phase.MEASURED) {
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
        if (alive.decrementAndGet() == 0 && phase != Phase.IDLE) {
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
}
