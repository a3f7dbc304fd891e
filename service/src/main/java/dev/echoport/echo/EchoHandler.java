package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.EchoMetrics.PauseReason;
import dev.echoport.metrics.PortMetrics;
import dev.echoport.overload.EchoMemoryBudget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
 * <p><b>Bounded memory, for the process.</b> The queue's size is reported to the {@link EchoMemoryBudget}, which may
 * stop this connection reading until its queue has drained ({@link ConnectionBudget}).
 *
 * <p><b>Counting.</b> Received bytes are counted per read; sent bytes and echo latency once per read batch, when the
 * batch has reached the socket ({@link EchoBatch}). Only bytes that reached the socket count as sent.
 *
 * <p><b>Half-close.</b> The channel allows half-closure: when the peer shuts its output down, everything still queued
 * is written, then the connection is closed.
 *
 * <p>The batch, budget and close bookkeeping it shares with line echo is in {@link EchoQueueHandler}. Holds
 * per-connection state: not {@code @Sharable}.
 */
public final class EchoHandler extends EchoQueueHandler {
    private boolean inputShutdown;

    /**
     * @param port           the meters of the port the connection came in on
     * @param blockingWrites the transport writes with blocking calls (OIO): never flush mid-batch
     */
    public EchoHandler(EchoMetrics metrics, PortMetrics port, boolean blockingWrites, EchoMemoryBudget budget) {
        super(metrics, port, blockingWrites, budget);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        int n = buf.readableBytes();
        if (n == 0) {
            buf.release();
            return;
        }
        batch.add(n);
        port.bytesReceived(n);
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
        } else if (!blockingWrites) {
            budget.duringBatch(ctx);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            batch.flush(ctx);
            // An empty write completes after every write queued before it: then all the echo is out.
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * Reading stops in {@link #channelRead} and at the end of a batch; here it only resumes, once the queue is below
     * the low watermark and the budget lets it, and never after the peer's half-close: there is nothing left to read,
     * and Netty 4.2.18's epoll transport may by then have removed the socket from its epoll set (no interest left after
     * EPOLLRDHUP with reading paused), so asking to read fails with "epoll_ctl(..) failed with error(-2)" and the
     * connection would close as an error.
     */
    @Override
    void queueDrained(ChannelHandlerContext ctx) {
        if (budget.drained(ctx) && ctx.channel().isWritable() && !ctx.channel().config().isAutoRead()
                && !inputShutdown) {
            ctx.channel().config().setAutoRead(true);
        }
    }
}
