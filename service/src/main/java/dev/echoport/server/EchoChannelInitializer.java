package dev.echoport.server;

import dev.echoport.admission.Admission;
import dev.echoport.admission.AdmissionObserver;
import dev.echoport.config.Settings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.echo.EchoHandlers;
import dev.echoport.echo.IdleTimeoutHandler;
import dev.echoport.echo.PipelineNames;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.PortMetrics;
import dev.echoport.overload.PressureAwareReads;
import dev.echoport.proxy.ProxyProtocol;
import dev.echoport.tls.TlsTermination;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;


/**
 * Assembles the pipeline of every admitted connection, in the order {@link PipelineNames} documents: the PROXY
 * protocol handlers when it is on (they add the rest once the client is admitted), then TLS on the TLS listener, then
 * the lifecycle, idle timeout, faults (only for connections that get them) and the echo handler (exact, or line echo
 * with a prefix). Shared by a listener's connections; holds no per-connection state.
 */
final class EchoChannelInitializer extends ChannelInitializer<Channel> {
    private final Settings.Echo echo;
    private final EchoMetrics metrics;
    private final boolean blockingWrites;
    private final ProxyProtocol proxy;
    private final Admission admission;
    private final TlsTermination tls;
    private final FaultInjector faults;
    private final EchoHandlers echoHandlers;
    /** Read sizes to give each connection its own view of, or {@code null}: the listener's are shared. */
    private final PressureAwareReads ownReads;

    /**
     * @param tls      TLS at the start of each connection, or {@code null} for the plain listener
     * @param ownReads read sizes of which each connection gets its own view before its first read, on a transport
     *                 that allocates reads where a failure cannot be thrown (io_uring); {@code null} on the others
     */
    EchoChannelInitializer(Settings.Echo echo, EchoMetrics metrics, EchoHandlers echoHandlers,
                           boolean blockingWrites, ProxyProtocol proxy, Admission admission, TlsTermination tls,
                           FaultInjector faults, PressureAwareReads ownReads) {
        this.echo = echo;
        this.metrics = metrics;
        this.echoHandlers = echoHandlers;
        this.blockingWrites = blockingWrites;
        this.proxy = proxy;
        this.admission = admission;
        this.tls = tls;
        this.faults = faults;
        this.ownReads = ownReads;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (ownReads != null) {
            ch.config().setRecvByteBufAllocator(
                    ownReads.reportingTo(failure -> ConnectionLifecycleHandler.closeOnErrorLater(ch, failure)));
        }
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
        PortMetrics port = metrics.port(AdmissionObserver.port(ch)); // the TLS port's connections have their own
        faults.install(p, blockingWrites, port); // nothing unless faults are on for this connection
        p.addLast(PipelineNames.ECHO, echoHandlers.newHandler(port));
    }
}
