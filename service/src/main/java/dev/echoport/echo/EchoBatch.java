package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.PortMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * The echo written for one read batch, counted as sent (bytes and echo latency) only once it has reached the socket:
 * at once if the flush drained the queue, else when an empty marker write queued after the batch completes (writes
 * complete in order, also through handlers that hold writes back, such as the fault handlers). One per connection,
 * used on its event loop only.
 */
final class EchoBatch {
    private final EchoMetrics metrics;
    private final PortMetrics port;
    private long bytes;
    private long startNanos;

    EchoBatch(EchoMetrics metrics, PortMetrics port) {
        this.metrics = metrics;
        this.port = port;
    }

    /** Adds bytes written for echo; the first of a batch starts its latency clock. */
    void add(long echoed) {
        if (bytes == 0) {
            startNanos = System.nanoTime();
        }
        bytes += echoed;
    }

    /** Flushes, and counts the batch as sent when everything written before this point is on the socket. */
    void flush(ChannelHandlerContext ctx) {
        flush(ctx, null);
    }

    /**
     * As {@link #flush(ChannelHandlerContext)}; if some of the batch stays queued, {@code drained} runs on the event
     * loop once it has all reached the socket (the queue has shrunk then).
     */
    void flush(ChannelHandlerContext ctx, Runnable drained) {
        if (bytes == 0) {
            ctx.flush();
            return;
        }
        long sent = bytes;
        long start = startNanos;
        bytes = 0;
        ctx.flush();
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        // Bytes a fault handler holds are counted in the outbound buffer's total too (PendingWriteQueue).
        if (out != null && out.totalPendingWriteBytes() == 0) { // the usual case: the socket took the whole batch
            record(sent, start);
            return;
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                record(sent, start);
                if (drained != null) {
                    // The marker is still counted as queued while its own listener runs: look once it is gone.
                    ctx.executor().execute(drained);
                }
            }
        });
    }

    private void record(long sent, long startNanos) {
        port.bytesSent(sent);
        metrics.echoLatency(System.nanoTime() - startNanos);
    }
}
