package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.EchoMetrics.PauseReason;
import dev.echoport.overload.EchoMemoryBudget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * One connection's part in the process-wide {@link EchoMemoryBudget}: reports the size of the connection's echo queue
 * to the budget as a change from the last report (one atomic add, and none while the queue stays empty), and says
 * when the connection must stop reading for it. The echo handlers (exact and line echo) use it at the same points:
 * within a read batch over the budget, at the end of each batch, and when the queue drains. One per connection, on
 * its event loop.
 */
final class ConnectionBudget {
    private final EchoMemoryBudget budget;
    private final EchoMetrics metrics;
    private long reported;
    private boolean paused;

    ConnectionBudget(EchoMemoryBudget budget, EchoMetrics metrics) {
        this.budget = budget;
        this.metrics = metrics;
    }

    /**
     * Within a read batch: over the budget, a connection stops at once, not only at the batch's end, else each peer
     * could still push a watermark's worth before the budget is asked. What the socket takes is no burden, so the
     * queue is flushed first and what stays is judged. Not for blocking (oio) writes.
     */
    void duringBatch(ChannelHandlerContext ctx) {
        if (budget.overBudget()) {
            ctx.flush();
            long pending = pending(ctx);
            if (budget.shouldPause(pending, pending - reported)) {
                pause(ctx);
            }
        }
    }

    /** At the end of a read batch, once flushed: reports the queue, and stops reading if it holds too much. */
    void batchEnded(ChannelHandlerContext ctx) {
        if (budget.shouldPause(report(ctx))) {
            pause(ctx);
        }
    }

    /** The queue shrank: reports it; true unless the budget still holds this connection back. */
    boolean drained(ChannelHandlerContext ctx) {
        long pending = report(ctx);
        if (paused && !budget.shouldPause(pending)) {
            paused = false;
        }
        return !paused;
    }

    boolean paused() {
        return paused;
    }

    /** The connection closed: whatever it still queued is freed with it. */
    void closed() {
        budget.add(-reported);
        reported = 0;
    }

    private void pause(ChannelHandlerContext ctx) {
        paused = true;
        if (ctx.channel().config().isAutoRead()) { // else the peer's slowness paused it already
            ctx.channel().config().setAutoRead(false);
            metrics.backpressurePause(PauseReason.MEMORY_BUDGET);
        }
    }

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
}
