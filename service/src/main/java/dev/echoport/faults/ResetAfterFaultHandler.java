package dev.echoport.faults;

import dev.echoport.echo.CloseCause;
import dev.echoport.echo.ConnectionLifecycleHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** faults.reset-after: resets (RST) the connection that long after it was admitted, whatever it is doing. */
final class ResetAfterFaultHandler extends ChannelInboundHandlerAdapter {
    private final Duration after;
    private final boolean threadPerConnection;
    private final Consumer<Fault> injected;
    private ScheduledFuture<?> timer;

    ResetAfterFaultHandler(Duration after, boolean threadPerConnection, Consumer<Fault> injected) {
        this.after = after;
        this.threadPerConnection = threadPerConnection;
        this.injected = injected;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (threadPerConnection) {
            ctx.channel().config().setOption(ChannelOption.SO_TIMEOUT, HoldingFaultHandler.OIO_POLL_MILLIS);
        }
        timer = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                ConnectionLifecycleHandler.markCause(ctx.channel(), CloseCause.FAULT);
                injected.accept(Fault.RESET_AFTER);
                Resets.reset(ctx);
            }
        }, after.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timer.cancel(false);
    }
}
