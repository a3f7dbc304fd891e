package dev.echoport.faults;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Ends a connection with RST instead of FIN: SO_LINGER 0, then close, as a crashed or reset peer would. */
final class Resets {
    private static final Logger log = LoggerFactory.getLogger(Resets.class);

    private Resets() {
    }

    static void reset(ChannelHandlerContext ctx) {
        try {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException e) {
            log.debug("could not set SO_LINGER 0 on {}: {}", ctx.channel(), e.toString());
        }
        ctx.close();
    }
}
