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
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.FastThreadLocal;

import java.nio.charset.StandardCharsets;

/**
 * Prefix mode ("who answered"): Istio tcp-echo's line protocol. Each line, the bytes up to and including a {@code \n},
 * is answered as {@code <prefix> <line>}; every byte of the line comes back unchanged.
 *
 * <p><b>Streaming.</b> The prefix is written when a line's first byte arrives and the line's bytes follow as they
 * arrive, so a line is never buffered and a last line without {@code \n} is answered before the half-close completes.
 * A line with more than {@code max-line-length} bytes before its {@code \n} ends the connection (cause
 * {@code line_too_long}) once that many of its bytes are echoed.
 *
 * <p><b>Bounded memory.</b> Replies are written in chunks of at most {@link #CHUNK} bytes. A prefix per line makes the
 * reply larger than the request (a read of empty lines grows by the prefix length per byte), so writability is checked
 * after every chunk, not per read: past the high watermark the rest of the read waits here (at most one read) and
 * reading pauses, as {@link EchoHandler} does; both resume once the queue drained below the low watermark. The
 * process's echo memory budget applies as to exact echo ({@link ConnectionBudget}).
 *
 * <p>The batch, budget and close bookkeeping it shares with exact echo is in {@link EchoQueueHandler}. Holds
 * per-connection state: not {@code @Sharable}.
 */
public final class LineEchoHandler extends EchoQueueHandler {
    /** Largest reply write: the size of one read, so one chunk adds what one read adds to the queue. */
    static final int CHUNK = 64 * 1024;
    /** Per event-loop thread: a chunk of input and of reply, as plain arrays. */
    private static final FastThreadLocal<byte[][]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[][] initialValue() {
            return new byte[][]{new byte[CHUNK], new byte[CHUNK]};
        }
    };

    private final byte[] prefix;
    private final int maxLineLength;
    private final LineTooLongLog tooLongLog;
    /** Bytes read and not answered yet: only while the channel is not writable. */
    private ByteBuf unread;
    /** The current line's prefix is out. */
    private boolean inLine;
    /** Bytes of the current line so far, without its {@code \n}. */
    private long lineLength;
    private boolean inputShutdown;
    /** A line was too long: nothing more is read or answered. */
    private boolean ended;
    private boolean closing;
    /** {@link #proceed} is running (writability events from its own flush must not re-enter it). */
    private boolean answering;

    /**
     * @param port           the meters of the port the connection came in on
     * @param prefix         echo.prefix; the reply to a line is this, a space, then the line
     * @param blockingWrites the transport writes with blocking calls (OIO): never flush mid-batch
     */
    public LineEchoHandler(EchoMetrics metrics, PortMetrics port, boolean blockingWrites, String prefix,
                           int maxLineLength, LineTooLongLog tooLongLog, EchoMemoryBudget budget) {
        super(metrics, port, blockingWrites, budget);
        this.prefix = (prefix + " ").getBytes(StandardCharsets.UTF_8);
        this.maxLineLength = maxLineLength;
        this.tooLongLog = tooLongLog;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        if (ended || !buf.isReadable()) {
            buf.release();
            return;
        }
        port.bytesReceived(buf.readableBytes());
        // A read that was already under way when reading paused joins what waits (at most a few reads).
        unread = unread == null ? buf : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), unread, buf);
        proceed(ctx);
        if (!blockingWrites && ctx.channel().isWritable()) {
            budget.duringBatch(ctx);
        }
    }

    /** The queue shrank: tell the budget, and answer (and maybe read) again. */
    @Override
    void queueDrained(ChannelHandlerContext ctx) {
        budget.drained(ctx);
        if (ctx.channel().isWritable() && !answering) { // while answering, proceed() checks again after its flush
            proceed(ctx);
            batch.flush(ctx, drained);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            proceed(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (unread != null) {
            unread.release();
            unread = null;
        }
    }

    /**
     * The one place that answers and decides about reading: answers what waits, chunk by chunk, while the channel is
     * writable; past the high watermark it pauses reading (what is left of the read waits here); with everything
     * answered it resumes reading, or after the peer's half-close closes once the replies are out. Writability events
     * fired by its own flush do not re-enter it: it checks writability itself after flushing.
     */
    private void proceed(ChannelHandlerContext ctx) {
        if (answering || ended || closing) {
            return;
        }
        answering = true;
        try {
            while (true) {
                if (!ctx.channel().isWritable()) {
                    if (!blockingWrites) {
                        ctx.flush(); // a fast peer takes it at once; only a slow one makes us pause
                    }
                    if (!ctx.channel().isWritable()) {
                        pauseReading(ctx);
                        return;
                    }
                }
                if (unread == null) {
                    break;
                }
                ByteBuf reply = nextReply(ctx);
                batch.add(reply.readableBytes());
                ctx.write(reply, silentPromise);
                if (!unread.isReadable() || ended) {
                    unread.release();
                    unread = null;
                }
                if (ended) {
                    tooLong(ctx);
                    return;
                }
            }
            if (inputShutdown) {
                finish(ctx); // never resume reading after the half-close: there is nothing left to read
            } else if (!ctx.channel().config().isAutoRead() && !budget.paused()) {
                ctx.channel().config().setAutoRead(true);
            }
        } finally {
            answering = false;
        }
    }

    private void pauseReading(ChannelHandlerContext ctx) {
        if (ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            metrics.backpressurePause(PauseReason.PEER_SLOW);
        }
    }

    /**
     * The reply to the next at most {@link #CHUNK} bytes of reply, consuming the input it answers. The work is done
     * on plain arrays, three buffer operations per chunk whatever the number of lines: a read of 64 KiB of empty
     * lines costs no more than one of long lines (and Netty's leak detector, which records every buffer access, stays
     * usable in tests).
     */
    private ByteBuf nextReply(ChannelHandlerContext ctx) {
        byte[][] scratch = SCRATCH.get();
        byte[] in = scratch[0];
        byte[] out = scratch[1];
        int available = Math.min(unread.readableBytes(), CHUNK);
        unread.getBytes(unread.readerIndex(), in, 0, available);
        int i = 0;
        int o = 0;
        while (i < available) {
            if (!inLine) {
                if (CHUNK - o < prefix.length + 1) {
                    break; // no room for this line's prefix and a byte of it: next chunk
                }
                System.arraycopy(prefix, 0, out, o, prefix.length);
                o += prefix.length;
                inLine = true;
            }
            long allowed = maxLineLength - lineLength;
            int limit = (int) Math.min(Math.min(available - i, allowed), CHUNK - o);
            int n = 0;
            while (n < limit && in[i + n] != '\n') {
                out[o + n] = in[i + n];
                n++;
            }
            i += n;
            o += n;
            lineLength += n;
            if (i < available && in[i] == '\n') {
                if (o == CHUNK) {
                    break;
                }
                out[o++] = '\n';
                i++;
                inLine = false;
                lineLength = 0;
            } else if (n == allowed && i < available) {
                ended = true; // the line already has the most bytes allowed, and goes on: too long
                break;
            } else if (o == CHUNK) {
                break;
            }
        }
        unread.skipBytes(i);
        return ctx.alloc().ioBuffer(o).writeBytes(out, 0, o);
    }

    private void tooLong(ChannelHandlerContext ctx) {
        ConnectionLifecycleHandler.markCause(ctx.channel(), CloseCause.LINE_TOO_LONG);
        tooLongLog.closed(ConnectionLifecycleHandler.peer(ctx.channel()), maxLineLength);
        ctx.channel().config().setAutoRead(false);
        finish(ctx);
    }

    /** Everything is answered: flush, and close once the last reply is out. */
    private void finish(ChannelHandlerContext ctx) {
        if (closing) {
            return;
        }
        closing = true;
        batch.flush(ctx);
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
