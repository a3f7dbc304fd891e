package dev.echoport.faults;

/**
 * faults.bandwidth: the echo leaves at that many bytes a second. The budget runs from the moment something is held
 * (a busy period) and is not lost when a timer fires late, so the rate holds on a loaded machine too; an idle
 * connection saves no credit beyond one chunk. Wakes at most every {@link #TICK_NANOS}, releasing what the rate
 * allows by then, so a slow rate costs few timer runs. Reading follows the same rate, since held bytes count against
 * the high watermark.
 */
final class BandwidthFaultHandler extends HoldingFaultHandler {
    static final long TICK_NANOS = 10_000_000L;

    private final double bytesPerNano;
    /** Bytes allowed at once at the start of a busy period: one tick's worth (at least one byte). */
    private final long chunk;
    private boolean busy;
    private long busyStart;
    private long sentInBusyPeriod;

    BandwidthFaultHandler(long bytesPerSecond, boolean threadPerConnection) {
        super(threadPerConnection);
        this.bytesPerNano = bytesPerSecond / 1e9;
        this.chunk = Math.max(1, bytesPerSecond * TICK_NANOS / 1_000_000_000L);
    }

    @Override
    void held(long nowNanos) {
        if (!busy) {
            busy = true;
            busyStart = nowNanos;
            sentInBusyPeriod = 0;
        }
    }

    @Override
    long release(long nowNanos) {
        long allowed = chunk + (long) ((nowNanos - busyStart) * bytesPerNano) - sentInBusyPeriod;
        boolean wrote = false;
        while (!held.isEmpty()) {
            int bytes = held.oldestBytes();
            if (bytes == 0) {
                held.releaseOldest(); // an empty marker write costs nothing
            } else if (allowed > 0) {
                int n = (int) Math.min(bytes, allowed);
                held.release(n);
                allowed -= n;
                sentInBusyPeriod += n;
            } else {
                break;
            }
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (held.isEmpty()) {
            busy = false;
            return -1;
        }
        // Next: when a chunk (or the rest of the oldest write, if smaller) is allowed, but not sooner than a tick.
        long want = sentInBusyPeriod + Math.min(chunk, held.oldestBytes()) - chunk;
        long at = busyStart + (long) Math.ceil(want / bytesPerNano);
        return Math.max(TICK_NANOS, at - nowNanos);
    }

    @Override
    void discarded() {
        busy = false;
    }
}
