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
 * echoed byte against it ({@link EchoStream}), records each message's round trip when its last byte is back, and,
 * if the server ends the connection, how (FIN or RST) and after how many echo bytes.
 *
 * <p>Runs entirely on the channel's event loop; the session talks to it only through tasks on that loop, and it
 * reports to the run's shared {@link RunState}.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {
    private final RunState run;
    private final LoopStats stats;
    private final EchoStream stream;
    private final int size;
    private final int pipeline;
    private final boolean openLoop;
    private final InFlight inFlight;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private ChannelHandlerContext ctx;
    private boolean admitted;
    /** Echo bytes received on this connection, and whether it ended with a reset: what the client saw of its end. */
    private long receivedHere;
    private boolean resetSeen;
    private boolean started;
    private boolean stopping;
    private boolean pinging;
    private boolean closingOurselves;
    // open loop
    private long intervalNanos;
    private long nextIntendedNanos;
    private long tickTargetNanos;
    private ScheduledFuture<?> tick;

    ConnectionHandler(RunState run, LoadOptions options, LoopStats stats, EchoPattern pattern, long index) {
        this.run = run;
        this.stats = stats;
        this.size = options.messageSize();
        this.stream = new EchoStream(pattern, size, options.expectPrefix(), index);
        this.pipeline = options.pipeline();
        this.openLoop = options.openLoop();
        this.inFlight = new InFlight(openLoop ? 16 : pipeline);
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
        run.connected(this);
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
        for (int i = inFlight.size(); i < pipeline; i++) {
            if (!sendClaimed(System.nanoTime())) {
                break;
            }
        }
        ctx.flush();
    }

    /** Sends one unmeasured message and reports to the session once it is echoed: proves the connection admitted. */
    void ping() {
        if (!ctx.channel().isActive()) {
            run.pingDone();
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
        RunState.Claim claim = run.claim();
        if (claim == RunState.Claim.STOP) {
            return false;
        }
        send(stampNanos, claim == RunState.Claim.MEASURED);
        return true;
    }

    private void send(long stampNanos, boolean measured) {
        inFlight.add(stampNanos, measured);
        stream.writeMessage(ctx);
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
                run.noteError("unsolicited " + buf.readableBytes() + " bytes from " + ctx.channel().remoteAddress());
                buf.skipBytes(buf.readableBytes());
                return;
            }
            admitted = true;
            int n = stream.check(buf);
            receivedHere += n;
            stats.bytesReceived += n;
            if (inFlight.oldestMeasured()) {
                stats.measuredBytesReceived += n;
            }
            if (stream.replyComplete()) {
                messageComplete();
            }
        }
    }

    private void messageComplete() {
        long now = System.nanoTime();
        long sentAt = inFlight.oldestTime();
        boolean measured = inFlight.oldestMeasured();
        inFlight.removeOldest();
        stats.allRoundTrips++;
        if (stream.takeCorrupt()) {
            stats.mismatches++;
            run.noteError("echo mismatch on " + ctx.channel().localAddress() + " -> "
                    + ctx.channel().remoteAddress());
        }
        if (measured) {
            stats.recordLatency(now - sentAt);
            stats.measuredRoundTrips++;
            stats.lastMeasuredCompletionNanos = now;
        }
        if (pinging && inFlight.isEmpty()) {
            pinging = false;
            run.pingDone();
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
            run.died(admitted, resetSeen, receivedHere, ctx.channel().remoteAddress());
        }
        if (pinging) {
            pinging = false;
            run.pingDone();
        }
        finished.complete(null);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        resetSeen |= String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset");
        // A write failing because the server closed the connection is the close's echo, not a cause of its own.
        if (!closingOurselves && !(cause instanceof java.nio.channels.ClosedChannelException)) {
            run.noteError(ctx.channel().remoteAddress() + ": " + cause);
        }
        ctx.close();
    }
}
