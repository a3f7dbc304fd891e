package dev.echoport.echo;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Closes a connection on which no byte moved, either way, for the idle timeout (cause {@code idle}). */
public final class IdleTimeoutHandler extends IdleStateHandler {
    public IdleTimeoutHandler(Duration timeout) {
        super(0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        ConnectionLifecycleHandler.markCause(ctx.channel(), CloseCause.IDLE);
        ctx.close();
    }
}
