package dev.echoport.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: sends its own pattern (pipelined in closed loop, on a schedule in open loop), verifies every
 * echoed byte against it, and records each message's round trip when its last byte is back.
 *
 * <p>Runs entirely on the channel's event loop; the session talks to it only through tasks on that loop.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final LoadSession session;
    private final LoopStats stats;
    private final EchoPattern pattern;
    private final int size;
    private final boolean openLoop;
    private final InFlight inFlight;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private int txPos;
    private int rxPos;
    private int rxInMessage;
    private boolean rxCorrupt;
    private boolean admitted;
    private boolean started;
    private boolean stopping;
    private boolean pinging;
    private boolean closingOurselves;
    // open loop
    private long intervalNanos;
    private long nextIntendedNanos;
    private long tickTargetNanos;
    private ScheduledFuture<?> tick;

    ConnectionHandler(LoadSession session, LoopStats stats, EchoPattern pattern, long index) {
        this.session = session;
        this.stats = stats;
        this.pattern = pattern;
        this.size = session.options().messageSize();
        this.openLoop = session.options().openLoop();
        this.inFlight = new InFlight(openLoop ? 16 : session.options().pipeline());
        this.txPos = EchoPattern.startOffset(index);
        this.rxPos = txPos;
    }

    /** Completes when this connection has nothing more in flight after {@link #stop()}, or has closed. */
    CompletableFuture<Void> finished() {
        return finished;
    }

    /** The event loop this connection runs on: every call into it goes through here. */
    EventExecutor ctxExecutor() {
        return ctx.executor();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        session.connected(this);
        ctx.fireChannelActive();
    }

    /** Starts traffic. {@code firstSendNanos}: open loop, when this connection's first message is due. */
    void start(long firstSendNanos, long intervalNanos) {
        if (!ctx.channel().isActive() || stopping) {
            return;
        }
        started = true;
        if (openLoop) {
            this.intervalNanos = intervalNanos;
            this.nextIntendedNanos = firstSendNanos;
            tick();
            return;
        }
        int depth = session.options().pipeline();
        for (int i = inFlight.size(); i < depth; i++) {
            if (!sendClaimed(System.nanoTime())) {
                break;
            }
        }
        ctx.flush();
    }

    /** Sends one unmeasured message and reports to the session once it is echoed: proves the connection admitted. */
    void ping() {
        if (!ctx.channel().isActive()) {
            session.pingDone();
            return;
        }
        pinging = true;
        send(System.nanoTime(), false);
        ctx.flush();
    }

    /** Sends nothing more; {@link #finished()} completes once every message in flight is back. */
    void stop() {
        stopping = true;
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        if (inFlight.isEmpty()) {
            finished.complete(null);
        }
    }

    /** Closes the connection as the end of the run (not counted as a reset). */
    void closeQuietly() {
        closingOurselves = true;
        stopping = true;
        ctx.close();
    }

    private void tick() {
        tick = null;
        long now = System.nanoTime();
        if (tickTargetNanos != 0) {
            stats.recordTickLag(now - tickTargetNanos);
            tickTargetNanos = 0;
        }
        if (stopping) {
            return;
        }
        boolean wrote = false;
        while (nextIntendedNanos <= now && ctx.channel().isWritable()) {
            if (!sendClaimed(nextIntendedNanos)) {
                stopping = true;
                break;
            }
            nextIntendedNanos += intervalNanos;
            wrote = true;
        }
        if (wrote) {
            ctx.flush();
        }
        if (stopping) {
            if (inFlight.isEmpty()) {
                finished.complete(null);
            }
            return;
        }
        if (!ctx.channel().isWritable()) {
            return; // the server is not reading: resume in channelWritabilityChanged; lateness shows in latency
        }
        tickTargetNanos = nextIntendedNanos;
        tick = ctx.executor().schedule(this::tick, Math.max(0, nextIntendedNanos - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    private boolean sendClaimed(long stampNanos) {
        LoadSession.Claim claim = session.claim();
        if (claim == LoadSession.Claim.STOP) {
            return false;
        }
        send(stampNanos, claim == LoadSession.Claim.MEASURED);
        return true;
    }

    private void send(long stampNanos, boolean measured) {
        inFlight.add(stampNanos, measured);
        int remaining = size;
        while (remaining > 0) {
            int n = Math.min(remaining, EchoPattern.PERIOD);
            ctx.write(pattern.slice(txPos, n), ctx.voidPromise());
            txPos = EchoPattern.advance(txPos, n);
            remaining -= n;
        }
        stats.bytesSent += size;
        if (measured) {
            stats.measuredBytesSent += size;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        try {
            verify(buf);
        } finally {
            buf.release();
        }
        if (stopping && inFlight.isEmpty()) {
            finished.complete(null);
        }
    }

    private void verify(ByteBuf buf) {
        while (buf.isReadable()) {
            if (inFlight.isEmpty()) {
                // Bytes nobody sent (or more than was sent): as wrong as a changed byte.
                stats.bytesReceived += buf.readableBytes();
                stats.mismatches++;
                session.noteError("unsolicited " + buf.readableBytes() + " bytes from " + ctx.channel().remoteAddress());
                buf.skipBytes(buf.readableBytes());
                return;
            }
            admitted = true;
            int n = Math.min(Math.min(buf.readableBytes(), size - rxInMessage), EchoPattern.PERIOD);
            if (!rxCorrupt && !pattern.matches(buf, buf.readerIndex(), rxPos, n)) {
                rxCorrupt = true;
            }
            buf.skipBytes(n);
            rxPos = EchoPattern.advance(rxPos, n);
            rxInMessage += n;
            stats.bytesReceived += n;
            if (inFlight.oldestMeasured()) {
                stats.measuredBytesReceived += n;
            }
            if (rxInMessage == size) {
                messageComplete();
            }
        }
    }

    private void messageComplete() {
        long now = System.nanoTime();
        long sentAt = inFlight.oldestTime();
        boolean measured = inFlight.oldestMeasured();
        inFlight.removeOldest();
        rxInMessage = 0;
        stats.allRoundTrips++;
        if (rxCorrupt) {
            rxCorrupt = false;
            stats.mismatches++;
            session.noteError("echo mismatch on " + ctx.channel().localAddress() + " -> "
                    + ctx.channel().remoteAddress());
        }
        if (measured) {
            stats.recordLatency(now - sentAt);
            stats.measuredRoundTrips++;
            stats.lastMeasuredCompletionNanos = now;
        }
        if (pinging && inFlight.isEmpty()) {
            pinging = false;
            session.pingDone();
        }
        if (started && !openLoop && !stopping) {
            if (!sendClaimed(System.nanoTime())) {
                stopping = true;
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (openLoop && started && !stopping && tick == null && ctx.channel().isWritable()) {
            tick();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        if (!closingOurselves) {
            session.died(admitted, ctx.channel().remoteAddress());
        }
        if (pinging) {
            pinging = false;
            session.pingDone();
        }
        finished.complete(null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!closingOurselves) {
            session.noteError(ctx.channel().remoteAddress() + ": " + cause);
        }
        ctx.close();
    }
}
