package dev.echoport.faults;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.VoidChannelPromise;

/**
 * Echo writes a fault handler holds back, oldest first, released whole or a few bytes at a time.
 *
 * <p><b>They count as queued echo.</b> Netty's {@link PendingWriteQueue} adds every held write (its bytes plus 64 B of
 * bookkeeping) to the channel's pending outbound bytes: held bytes make the channel unwritable past the high
 * watermark, so the echo handler stops reading exactly as for a slow peer, {@code echoport_echo_pending_bytes} shows
 * them, and an echo counts as sent only once it really left. When part of a write is released, the rest moves to a
 * one-entry queue of its own, first in line, counted at its new size: the count is exact at every moment.
 *
 * <p>Used on the channel's event loop only.
 */
final class HeldWrites {
    private final ChannelHandlerContext ctx;
    /** Whole writes not yet touched. */
    private final PendingWriteQueue queue;
    /** At most one entry: the rest of a write partly released, which goes before everything in {@link #queue}. */
    private final PendingWriteQueue rest;
    /** For the released parts of a write; its own promise completes with its last part. */
    private final VoidChannelPromise silent;

    HeldWrites(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.queue = new PendingWriteQueue(ctx);
        this.rest = new PendingWriteQueue(ctx);
        this.silent = new VoidChannelPromise(ctx.channel(), false);
    }

    void add(Object msg, ChannelPromise promise) {
        queue.add(msg, promise);
    }

    boolean isEmpty() {
        return rest.isEmpty() && queue.isEmpty();
    }

    /** Readable bytes of the oldest held write: 0 for an empty marker write ("all before me is out"). */
    int oldestBytes() {
        Object msg = oldest().current();
        return msg instanceof ByteBuf buf ? buf.readableBytes() : 0;
    }

    /** Passes the oldest held write on, whole. */
    void releaseOldest() {
        oldest().removeAndWrite();
    }

    /** Passes on at most {@code n > 0} bytes of the oldest held write; what is left of it stays first in line. */
    void release(int n) {
        PendingWriteQueue from = oldest();
        if (!(from.current() instanceof ByteBuf buf) || buf.readableBytes() <= n) {
            from.removeAndWrite();
            return;
        }
        buf.retain(); // remove() releases the message once; this handler keeps it
        ChannelPromise promise = from.remove();
        ctx.write(buf.readRetainedSlice(n), silent);
        rest.add(buf, promise);
    }

    /** Fails and releases every held write (the connection closed). */
    void failAll(Throwable cause) {
        rest.removeAndFailAll(cause);
        queue.removeAndFailAll(cause);
    }

    private PendingWriteQueue oldest() {
        return rest.isEmpty() ? queue : rest;
    }
}
