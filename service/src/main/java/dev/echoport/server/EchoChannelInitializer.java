package dev.echoport.server;

import dev.echoport.admission.Admission;
import dev.echoport.config.Settings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.echo.EchoHandler;
import dev.echoport.echo.IdleTimeoutHandler;
import dev.echoport.echo.PipelineNames;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.proxy.ProxyProtocol;
import dev.echoport.tls.TlsTermination;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

/**
 * Assembles the pipeline of every admitted connection, in the order {@link PipelineNames} documents: the PROXY
 * protocol handlers when it is on (they add the rest once the client is admitted), then TLS on the TLS listener, then
 * the lifecycle, idle timeout and echo handlers. Shared by a listener's connections; holds no per-connection state.
 */
final class EchoChannelInitializer extends ChannelInitializer<Channel> {
    private final Settings.Echo echo;
    private final EchoMetrics metrics;
    private final EchoMemoryBudget budget;
    private final boolean blockingWrites;
    private final ProxyProtocol proxy;
    private final Admission admission;
    private final TlsTermination tls;

    /** @param tls TLS at the start of each connection, or {@code null} for the plain listener */
    EchoChannelInitializer(Settings.Echo echo, EchoMetrics metrics, EchoMemoryBudget budget, boolean blockingWrites,
                           ProxyProtocol proxy, Admission admission, TlsTermination tls) {
        this.echo = echo;
        this.metrics = metrics;
        this.budget = budget;
        this.blockingWrites = blockingWrites;
        this.proxy = proxy;
        this.admission = admission;
        this.tls = tls;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (proxy.enabled()) {
            proxy.addHandlers(ch.pipeline(), admission, this::addEchoHandlers);
        } else {
            addEchoHandlers(ch);
        }
    }

    private void addEchoHandlers(Channel ch) {
        if (tls != null) {
            tls.addHandlers(ch);
        }
        ChannelPipeline p = ch.pipeline();
        p.addLast(PipelineNames.LIFECYCLE, new ConnectionLifecycleHandler(metrics));
        if (echo.idleTimeoutEnabled()) {
            p.addLast(PipelineNames.IDLE_TIMEOUT, new IdleTimeoutHandler(echo.idleTimeout()));
        }
        p.addLast(PipelineNames.ECHO, new EchoHandler(metrics, blockingWrites, budget));
    }
}
