package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics;
import dev.echoport.metrics.AdminMetrics.CloseCause;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;

import java.nio.charset.StandardCharsets;

/**
 * One admin connection, first in its pipeline (it sees the raw bytes). It reads one request at a time: auto-read is
 * off, and the next read is asked for only when the previous answer has been written and the socket is writable, so
 * a client that pipelines requests without reading its answers stops being read instead of making answers pile up.
 * It keeps the clock of the current exchange, which the {@link AdminConnections} table uses for the request deadline
 * and for choosing whom to evict, and it records why the connection ended.
 *
 * <p>Not sharable: one per connection. Runs on the admin event loop only.
 */
final class AdminExchange extends ChannelDuplexHandler {
    /** Where a connection is in its request/answer cycle. */
    enum Phase {
        /** Waiting for (the rest of) a request. A new connection starts here, for its first request. */
        READING,
        /** The request is complete; its answer is being made or written. */
        ANSWERING,
        /** Kept alive: the last answer is written and no byte of a new request has arrived. */
        IDLE
    }

    /** Written below the HTTP codec (raw), because the request it answers may never have been decoded. */
    private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 16\r\nConnection: close\r\n\r\n"
            + "request timeout\n").getBytes(StandardCharsets.US_ASCII);

    private final AdminConnections table;
    private final AdminMetrics metrics;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.READING;
    private long since;
    private boolean requestBytesSeen;
    private boolean answerBeingMade;
    private boolean readOutstanding;
    private boolean readWhenWritable;
    private CloseCause cause;

    AdminExchange(AdminConnections table, AdminMetrics metrics) {
        this.table = table;
        this.metrics = metrics;
    }

    /** The exchange of the connection whose pipeline {@code ctx} belongs to. */
    static AdminExchange of(ChannelHandlerContext ctx) {
        return ctx.pipeline().get(AdminExchange.class);
    }

    Phase phase() {
        return phase;
    }

    /**
     * When the current phase's clock started: the connection's opening or the first byte of its request (READING,
     * and ANSWERING after it), the end of the last answer (IDLE). The connection with the smallest value has waited
     * longest.
     */
    long since() {
        return since;
    }

    /**
     * True while the request is complete and its answer is being made (a /metrics render): the connection is waiting
     * on us, not on its client, and renders finish within tens of milliseconds, so no client can hold it here.
     */
    boolean answerBeingMade() {
        return answerBeingMade;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        since = table.now();
        table.admit(this);
        ctx.fireChannelActive();
        readNext();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (phase == Phase.IDLE) {
            phase = Phase.READING;
            since = table.now();
        }
        requestBytesSeen = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (readWhenWritable && ctx.channel().isWritable()) {
            readWhenWritable = false;
            readNext();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        table.remove(this);
        metrics.closed(cause == null ? CloseCause.CLIENT : cause);
        ctx.fireChannelInactive();
    }

    /** The router has a complete request: its answer is now due (the deadline keeps counting from its first byte). */
    void requestArrived() {
        if (phase == Phase.IDLE) { // a pipelined request, read with an earlier one
            since = table.now();
        }
        phase = Phase.ANSWERING;
        answerBeingMade = true;
        readOutstanding = false;
    }

    /** The answer is handed to the socket: from now on the connection waits on its client to take it. */
    void answerWritten() {
        answerBeingMade = false;
    }

    /**
     * The FlowControlHandler ended a read cycle. Netty 4.2 counts a read as satisfied then even if no request came of
     * it (half a request line), so while a request is still arriving, ask again. After an answer (IDLE) the read is
     * already queued by {@link #answered()}.
     */
    void readCycleComplete() {
        readOutstanding = false;
        if (phase == Phase.READING) {
            readNext();
        }
    }

    /** A kept-alive answer is written: read the next request, once the socket can take another answer. */
    void answered() {
        phase = Phase.IDLE;
        since = table.now();
        requestBytesSeen = false;
        Channel ch = ctx.channel();
        if (ch.isWritable()) {
            // As a task, not in this write's listener: a queue of pipelined health requests would otherwise be
            // answered recursively, and other connections get their turn in between.
            ch.eventLoop().execute(this::readNext);
        } else {
            readWhenWritable = true;
        }
    }

    /**
     * Asks for the next request, unless one is in hand or already asked for: at most one read outstanding and one
     * request in flight. From the channel (the tail), so the FlowControlHandler sees it and passes on one request.
     */
    private void readNext() {
        if (phase != Phase.ANSWERING && !readOutstanding) {
            readOutstanding = true;
            ctx.channel().read();
        }
    }

    /** Closes the connection once {@code write} is done, for {@code why}. */
    void closeAfter(ChannelFuture write, CloseCause why) {
        write.addListener((ChannelFutureListener) f -> close(why));
    }

    /** Closes with a FIN; the first reason given is the one counted. */
    void close(CloseCause why) {
        if (cause == null) {
            cause = why;
        }
        table.remove(this);
        ctx.close();
    }

    /** Closes with a reset (SO_LINGER 0), dropping whatever the client has not read: nothing of it lingers. */
    void reset(CloseCause why) {
        try {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException alreadyClosed) {
            // closing anyway
        }
        close(why);
    }

    /** Called by the table when the current exchange has passed admin.request-timeout. */
    void requestTimedOut() {
        if (phase == Phase.ANSWERING) {
            reset(CloseCause.TIMEOUT); // an answer the client is not taking: do not let it linger in the kernel
        } else if (requestBytesSeen) {
            if (cause == null) {
                cause = CloseCause.TIMEOUT;
            }
            table.remove(this);
            closeAfter(ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT)), CloseCause.TIMEOUT);
        } else {
            close(CloseCause.TIMEOUT); // connected and never sent a byte: nothing to answer
        }
    }

    /** Called by the table when a kept-alive connection has been idle for admin.idle-timeout. */
    void idleTimedOut() {
        close(CloseCause.IDLE);
    }
}
