package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.PortMetrics;
import dev.echoport.overload.EchoMemoryBudget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.VoidChannelPromise;

/**
 * The life of one connection's echo queue, the same for exact echo ({@link EchoHandler}) and line echo
 * ({@link LineEchoHandler}): at the end of each read batch the batch is flushed and counted once it reaches the socket
 * ({@link EchoBatch}), and the queue is reported to the process's memory budget ({@link ConnectionBudget}); when the
 * queue shrinks (below the low watermark, or a held-back batch reached the socket) the subclass decides whether to
 * answer and read again; at close the connection's share of the budget is freed. Subclasses write the echo and pause
 * reading; only they know what they hold.
 *
 * <p>Holds per-connection state: not {@code @Sharable}.
 */
abstract class EchoQueueHandler extends ChannelInboundHandlerAdapter {
    final EchoMetrics metrics;
    final PortMetrics port;
    /** The transport writes with blocking calls (OIO): never flush mid-batch. */
    final boolean blockingWrites;
    final EchoBatch batch;
    final ConnectionBudget budget;
    /**
     * For data writes, which need no promise each: a failed write also fails the batch marker, and the close that
     * follows is recorded by {@link ConnectionLifecycleHandler}. One reused, silent void promise keeps the data path
     * allocation-free.
     */
    VoidChannelPromise silentPromise;
    /** {@link #queueDrained} for this connection, run when a batch that stayed queued has reached the socket. */
    Runnable drained;

    EchoQueueHandler(EchoMetrics metrics, PortMetrics port, boolean blockingWrites, EchoMemoryBudget budget) {
        this.metrics = metrics;
        this.port = port;
        this.blockingWrites = blockingWrites;
        this.batch = new EchoBatch(metrics, port);
        this.budget = new ConnectionBudget(budget, metrics);
    }

    @Override
    public final void handlerAdded(ChannelHandlerContext ctx) {
        silentPromise = new VoidChannelPromise(ctx.channel(), false);
        drained = () -> queueDrained(ctx);
    }

    @Override
    public final void channelReadComplete(ChannelHandlerContext ctx) {
        batch.flush(ctx, drained);
        budget.batchEnded(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public final void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            queueDrained(ctx);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public final void channelInactive(ChannelHandlerContext ctx) {
        budget.closed();
        ctx.fireChannelInactive();
    }

    /**
     * The queue shrank: below the low watermark, or a batch that stayed queued has reached the socket. Tell the
     * budget ({@link ConnectionBudget#drained}) and resume what the subclass paused, if it may.
     */
    abstract void queueDrained(ChannelHandlerContext ctx);
}
