package dev.echoport.server;

import dev.echoport.config.Settings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.echo.EchoHandler;
import dev.echoport.echo.IdleTimeoutHandler;
import dev.echoport.metrics.EchoMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/** Assembles the pipeline of every admitted connection; the order is documented in {@link PipelineNames}. */
final class EchoChannelInitializer extends ChannelInitializer<Channel> {
    private final Settings.Echo echo;
    private final EchoMetrics metrics;
    private final boolean blockingWrites;

    EchoChannelInitializer(Settings.Echo echo, EchoMetrics metrics, boolean blockingWrites) {
        this.echo = echo;
        this.metrics = metrics;
        this.blockingWrites = blockingWrites;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.LIFECYCLE, new ConnectionLifecycleHandler(metrics));
        if (echo.idleTimeoutEnabled()) {
            p.addLast(PipelineNames.IDLE_TIMEOUT, new IdleTimeoutHandler(echo.idleTimeout()));
        }
        p.addLast(PipelineNames.ECHO, new EchoHandler(metrics, blockingWrites));
    }
}
