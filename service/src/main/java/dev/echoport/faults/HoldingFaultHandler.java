package dev.echoport.faults;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * A fault handler that holds echo writes back ({@link HeldWrites}) and lets them go on its own schedule, in order.
 * Subclasses say when and how much: {@link #held(long)} for each write as it arrives, {@link #release(long)} when
 * the timer fires (times from the event loop's ticker). One timer per connection at most; everything held is failed
 * and released when the connection closes.
 *
 * <p>Holds per-connection state: not {@code @Sharable}.
 */
abstract class HoldingFaultHandler extends ChannelDuplexHandler {
    /** OIO runs timers only between blocking reads: with a timed fault its reads must return this often. */
    static final int OIO_POLL_MILLIS = 10;

    private final boolean threadPerConnection;
    protected HeldWrites held;
    protected ChannelHandlerContext ctx;
    private ScheduledFuture<?> timer;

    /** @param threadPerConnection the transport is OIO, which runs timers only between blocking reads */
    HoldingFaultHandler(boolean threadPerConnection) {
        this.threadPerConnection = threadPerConnection;
    }

    /** A write arrived at {@code nowNanos} and is held (the last of {@link #held}). */
    abstract void held(long nowNanos);

    /**
     * Passes on what may go at {@code nowNanos} (and flushes it).
     *
     * @return nanoseconds until it should be called again, or -1 when nothing is held
     */
    abstract long release(long nowNanos);

    /** Everything held was dropped (the connection closed): forget per-write state. */
    void discarded() {
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.held = new HeldWrites(ctx);
        if (threadPerConnection) {
            ctx.channel().config().setOption(ChannelOption.SO_TIMEOUT, OIO_POLL_MILLIS);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        held.add(msg, promise);
        long now = ctx.executor().ticker().nanoTime();
        held(now);
        if (timer == null) { // else the timer is due no later than this write may go
            run(now);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        dropAll();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        dropAll();
    }

    private void run(long now) {
        timer = null;
        long next = release(now);
        if (next >= 0 && ctx.channel().isActive()) {
            timer = ctx.executor().schedule(() -> run(ctx.executor().ticker().nanoTime()), next,
                    TimeUnit.NANOSECONDS);
        }
    }

    private void dropAll() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (held != null && !held.isEmpty()) {
            held.failAll(new ClosedChannelException());
            discarded();
        }
    }
}
