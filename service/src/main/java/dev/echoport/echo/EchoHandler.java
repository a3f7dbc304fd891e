package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * The per-connection echo loop: writes back what it reads, flushes when a read batch is complete, and stops reading
 * while the peer is not reading its echo.
 *
 * <p><b>Bounded memory.</b> Bytes queued for a slow peer never pass the channel's write-buffer high watermark by more
 * than one read: the moment the channel turns unwritable, auto-read goes off (the read loop checks it and stops), and
 * it comes back on when the queue drains below the low watermark.
 *
 * <p><b>Counting.</b> Received bytes are counted per read; sent bytes and echo latency once per read batch, when the
 * batch's last write completes (writes complete in order), so only bytes that reached the socket count as sent.
 *
 * <p><b>Half-close.</b> The channel allows half-closure: when the peer shuts its output down, everything still queued
 * is written, then the connection is closed.
 *
 * <p>Holds per-connection batch state: not {@code @Sharable}.
 */
public final class EchoHandler extends ChannelInboundHandlerAdapter {
    private final EchoMetrics metrics;
    private VoidChannelPromise silentPromise;
    private long batchBytes;
    private long batchStartNanos;

    public EchoHandler(EchoMetrics metrics) {
        this.metrics = metrics;
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
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushBatch(ctx);
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        boolean writable = ctx.channel().isWritable();
        if (!writable && ctx.channel().config().isAutoRead()) {
            metrics.backpressurePause();
        }
        ctx.channel().config().setAutoRead(writable);
        ctx.fireChannelWritabilityChanged();
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

    private void flushBatch(ChannelHandlerContext ctx) {
        if (batchBytes == 0) {
            ctx.flush();
            return;
        }
        long bytes = batchBytes;
        long start = batchStartNanos;
        batchBytes = 0;
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (f.isSuccess()) {
                metrics.bytesSent(bytes);
                metrics.echoLatency(System.nanoTime() - start);
            }
        });
    }
}
