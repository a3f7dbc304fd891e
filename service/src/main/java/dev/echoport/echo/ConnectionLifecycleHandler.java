package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.RejectedExecutionException;

/**
 * First and last word on an admitted connection: records how long it lived and why it ended, and turns exceptions
 * into one log line and a close cause. Peer misbehaviour (resets, broken pipes) is normal for an echo target and is
 * logged at DEBUG; anything else at WARN, once, with the peer's address.
 *
 * <p>Whoever closes a connection for a reason of its own (idle timeout, shutdown) marks it first with
 * {@link #markCause}; an unmarked connection ended because its peer closed it.
 */
public final class ConnectionLifecycleHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLifecycleHandler.class);
    private static final AttributeKey<CloseCause> CLOSE_CAUSE = AttributeKey.valueOf("echoport.closeCause");

    private final EchoMetrics metrics;
    private final long openedAt = System.nanoTime();

    public ConnectionLifecycleHandler(EchoMetrics metrics) {
        this.metrics = metrics;
    }

    /** The client address behind a PROXY protocol header, set when the header was read. */
    public static final AttributeKey<java.net.SocketAddress> CLIENT_ADDRESS =
            AttributeKey.valueOf("echoport.clientAddress");

    /** The client's address for logs: from the PROXY protocol header if there was one, else the peer's. */
    public static Object peer(Channel channel) {
        java.net.SocketAddress client = channel.attr(CLIENT_ADDRESS).get();
        return client != null ? client + " (via " + channel.remoteAddress() + ")" : channel.remoteAddress();
    }

    /** Records why {@code channel} is being closed; the first cause set wins. */
    public static void markCause(Channel channel, CloseCause cause) {
        channel.attr(CLOSE_CAUSE).setIfAbsent(cause);
    }

    /**
     * Closes {@code channel} as an error from where nothing may be thrown (io_uring's read scheduling): the cause is
     * recorded and logged now, as {@link #exceptionCaught} would, and the close runs on its loop once the current I/O
     * is done.
     */
    public static void closeOnErrorLater(Channel channel, Throwable cause) {
        closingOnError(channel, cause);
        try {
            channel.eventLoop().execute(channel::close);
        } catch (RejectedExecutionException loopShuttingDown) {
            channel.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        CloseCause cause = ctx.channel().attr(CLOSE_CAUSE).setIfAbsent(CloseCause.CLIENT);
        metrics.closed(cause == null ? CloseCause.CLIENT : cause, System.nanoTime() - openedAt);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (PeerErrors.isPeerCaused(cause)) {
            markCause(ctx.channel(), CloseCause.CLIENT);
            log.debug("connection from {} ended by peer: {}", peer(ctx.channel()),
                    PeerErrors.describe(cause));
        } else {
            closingOnError(ctx.channel(), cause);
        }
        ctx.close();
    }

    /** Records that {@code channel} is closed as an error, and logs it once, with the cause's stack at debug. */
    private static void closingOnError(Channel channel, Throwable cause) {
        markCause(channel, CloseCause.ERROR);
        log.warn("connection from {} closed on error: {}", peer(channel), PeerErrors.describe(cause),
                log.isDebugEnabled() ? cause : null);
    }
}
