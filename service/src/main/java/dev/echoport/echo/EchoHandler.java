package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.EchoMetrics.PauseReason;
import dev.echoport.overload.EchoMemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * The per-connection echo loop: writes back what it reads, flushes when a read batch is complete, and stops reading
 * while the peer is not reading its echo, or while the process's echo memory budget says this connection holds too
 * much.
 *
 * <p><b>Bounded memory, per connection.</b> Bytes queued for a slow peer never pass the channel's write-buffer high
 * watermark by more than one read: when a write crosses it, the queue is flushed, and if the socket still cannot take
 * it auto-read goes off (the read loop checks it and stops); it comes back on when the queue drains below the low
 * watermark. Flushing first means a fast peer with large messages is never paused, only a slow one.
 *
 * <p><b>Bounded memory, for the process.</b> The size of this connection's queue is reported to the
 * {@link EchoMemoryBudget} when a read batch ends and when the queue drains, as a change from the last report (one
 * atomic add, and none while the queue stays empty). Over the budget, reading stops when the queue is at least the
 * budget's threshold, and resumes when the queue has drained below it.
 *
 * <p><b>Counting.</b> Received bytes are counted per read; sent bytes and echo latency once per read batch, when the
 * batch has reached the socket: at once if the flush drained the queue, else when an empty marker write queued after
 * the batch completes (writes complete in order). Only bytes that reached the socket count as sent.
 *
 * <p><b>Half-close.</b> The channel allows half-closure: when the peer shuts its output down, everything still queued
 * is written, then the connection is closed.
 *
 * <p>Holds per-connection batch state: not {@code @Sharable}.
 */
public final class EchoHandler extends ChannelInboundHandlerAdapter {
    private final EchoMetrics metrics;
    private final boolean blockingWrites;
    private final EchoMemoryBudget budget;
    private VoidChannelPromise silentPromise;
    private long batchBytes;
    private long batchStartNanos;
    /** This connection's queue as last reported to the budget. */
    private long reported;
    private boolean pausedForBudget;

    /** @param blockingWrites the transport writes with blocking calls (OIO): never flush mid-batch */
    public EchoHandler(EchoMetrics metrics, boolean blockingWrites, EchoMemoryBudget budget) {
        this.metrics = metrics;
        this.blockingWrites = blockingWrites;
        this.budget = budget;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // Data writes need no promise each: a failed write also fails the batch marker, and the close that follows
        // is recorded by ConnectionLifecycleHandler. One reused, silent void promise keeps the data path allocation-free.
        silentPromise = new VoidChannelPromise(ctx.channel(), false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        int n = buf.readableBytes();
        if (n == 0) {
            buf.release();
            return;
        }
        if (batchBytes == 0) {
            batchStartNanos = System.nanoTime();
        }
        batchBytes += n;
        metrics.bytesReceived(n);
        ctx.write(buf, silentPromise);
        if (!ctx.channel().isWritable()) {
            // Past the high watermark. Non-blocking: push the queue to the socket first, and only if it still does
            // not drain is the peer slow. Blocking (OIO): a flush would block this connection's thread on the slow
            // peer, so pause now and flush at read-complete as usual. Pausing ends the read loop: the bound holds.
            if (!blockingWrites) {
                ctx.flush();
            }
            if (!ctx.channel().isWritable() && ctx.channel().config().isAutoRead()) {
                ctx.channel().config().setAutoRead(false);
                metrics.backpressurePause(PauseReason.PEER_SLOW);
            }
        } else if (!blockingWrites && budget.overBudget()) {
            // Over the budget, a connection is stopped within its read batch, not only at its end: else each peer
            // could still push a watermark's worth before the budget is asked. What the socket takes is no burden:
            // flush first, and judge what stays queued.
            ctx.flush();
            long pending = pending(ctx);
            if (budget.shouldPause(pending, pending - reported) && ctx.channel().config().isAutoRead()) {
                pausedForBudget = true;
                ctx.channel().config().setAutoRead(false);
                metrics.backpressurePause(PauseReason.MEMORY_BUDGET);
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBatch(ctx);
        long pending = report(ctx);
        if (!pausedForBudget && budget.shouldPause(pending)) {
            pausedForBudget = true;
            if (ctx.channel().config().isAutoRead()) { // else the peer's slowness paused it already
                ctx.channel().config().setAutoRead(false);
                metrics.backpressurePause(PauseReason.MEMORY_BUDGET);
            }
        }
        ctx.fireChannelReadComplete();
    }

    /** Reading stops in {@link #channelRead}; here it only resumes, once the queue is below the low watermark. */
    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            queueDrained(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        budget.add(-reported); // whatever was still queued is freed with the connection
        reported = 0;
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            flushBatch(ctx);
            // An empty write completes after every write queued before it: then all the echo is out.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** The queue shrank (below the low watermark, or the batch marker reached the socket): report, maybe resume. */
    private void queueDrained(ChannelHandlerContext ctx) {
        long pending = report(ctx);
        if (pausedForBudget && !budget.shouldPause(pending)) {
            pausedForBudget = false;
        }
        if (!pausedForBudget && ctx.channel().isWritable() && !ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void flushBatch(ChannelHandlerContext ctx) {
        if (batchBytes == 0) {
            ctx.flush();
            return;
        }
        long bytes = batchBytes;
        long start = batchStartNanos;
        batchBytes = 0;
        ctx.flush();
        if (pending(ctx) == 0) { // the usual case: the socket took the whole batch
            recordSent(bytes, start);
            return;
        }
        // Some of it is still queued: an empty write completes after everything queued before it.
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                recordSent(bytes, start);
                // The marker is still counted as queued while its own listener runs: look once it is gone.
                ctx.executor().execute(() -> queueDrained(ctx));
            }
        });
    }

    /** Reports this connection's queue to the budget if it changed; returns it. */
    private long report(ChannelHandlerContext ctx) {
        long pending = pending(ctx);
        if (pending != reported) {
            budget.add(pending - reported);
            reported = pending;
        }
        return pending;
    }

    private static long pending(ChannelHandlerContext ctx) {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    private void recordSent(long bytes, long startNanos) {
        metrics.bytesSent(bytes);
        metrics.echoLatency(System.nanoTime() - startNanos);
    }
}
