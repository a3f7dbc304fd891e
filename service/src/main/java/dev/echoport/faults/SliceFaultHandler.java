package dev.echoport.faults;

import java.time.Duration;

/**
 * faults.slice with faults.slice-delay (Toxiproxy's slicer): the echo leaves in chunks of at most that many bytes,
 * each written and flushed on its own, with the delay between two chunks. After an idle spell longer than the delay
 * the next chunk goes at once. With no delay, chunks go back to back (at most {@link #CHUNKS_PER_RUN} per event-loop
 * task, so one connection cannot hold its loop).
 */
final class SliceFaultHandler extends HoldingFaultHandler {
    static final int CHUNKS_PER_RUN = 64;

    private final int slice;
    private final long delayNanos;
    private long nextChunkAt = Long.MIN_VALUE;
    private boolean started;

    SliceFaultHandler(int slice, Duration delay, boolean threadPerConnection) {
        super(threadPerConnection);
        this.slice = slice;
        this.delayNanos = delay.toNanos();
    }

    @Override
    void held(long nowNanos) {
    }

    @Override
    long release(long nowNanos) {
        if (started && nowNanos - nextChunkAt < 0) {
            return nextChunkAt - nowNanos;
        }
        for (int chunks = 0; !held.isEmpty(); ) {
            if (held.oldestBytes() == 0) {
                held.releaseOldest(); // an empty marker write is not a chunk
                ctx.flush();
                continue;
            }
            if (chunks == CHUNKS_PER_RUN || (chunks > 0 && delayNanos > 0)) {
                return delayNanos > 0 ? delayNanos : 0;
            }
            held.release(slice);
            ctx.flush();
            chunks++;
            started = true;
            nextChunkAt = nowNanos + delayNanos;
        }
        return -1;
    }
}
