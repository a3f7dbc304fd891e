package dev.echoport.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * On a listening channel: after an accept error (above all EMFILE, out of descriptors), stops accepting for a second
 * instead of retrying at once, which would spin a core, and logs at most one line a second, counting the errors it
 * left out.
 *
 * <p>While paused it also swallows every request to accept. Turning auto-read off is not enough on io_uring: the
 * pipeline head asks for the next accept at {@code channelReadComplete}, which io_uring fires before
 * {@code exceptionCaught}, and io_uring keeps such a request after auto-read goes off, retrying a failing accept at
 * once (a busy core while out of descriptors).
 *
 * <p>One per listening channel (it holds that channel's pause state): not {@code @Sharable}.
 */
public final class AcceptErrorBackoff extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(AcceptErrorBackoff.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long PAUSE_MILLIS = 1000;

    private final ListenerPause pause;
    private long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;
    private long suppressed;

    public AcceptErrorBackoff(ListenerPause pause) {
        this.pause = pause;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        pause.acceptFailed();
        long now = System.nanoTime();
        if (now - lastLog >= LOG_INTERVAL_NANOS) {
            log.warn("accept failed on {}: {}; pausing accepts for 1 s{}", ctx.channel().localAddress(),
                    cause.toString(), suppressed > 0 ? " (" + suppressed + " more accept errors since the last line)"
                            : "");
            lastLog = now;
            suppressed = 0;
        } else {
            suppressed++;
        }
        if (!pause.isPaused(ListenerPause.ACCEPT_ERROR)) {
            pause.pause(ListenerPause.ACCEPT_ERROR);
            ctx.executor().schedule(() -> pause.resume(ListenerPause.ACCEPT_ERROR), PAUSE_MILLIS,
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (!pause.isPaused(ListenerPause.ACCEPT_ERROR)) {
            ctx.read();
        }
    }
}
