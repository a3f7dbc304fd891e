package dev.echoport.server;

import dev.echoport.config.ProtocolSettings;
import dev.echoport.config.Settings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.echo.EchoHandlers;
import dev.echoport.echo.IdleTimeoutHandler;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.proxy.ProxyAdmissionHandler;
import dev.echoport.proxy.ProxyProtocolDetector;
import dev.echoport.tls.HandshakeFailureLog;
import dev.echoport.tls.ReloadingSslContext;
import dev.echoport.tls.TlsHandshakeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.TimeUnit;

/** Assembles the pipeline of every admitted connection; the order is documented in {@link PipelineNames}. */
final class EchoChannelInitializer extends ChannelInitializer<Channel> {
    private final Settings.Echo echo;
    private final EchoMetrics metrics;
    private final boolean blockingWrites;
    private final ProxyAdmissionHandler.Context proxy;
    private final ReloadingSslContext tls;
    private final ProtocolSettings.Tls tlsSettings;
    private final ProtocolMetrics protocolMetrics;
    private final HandshakeFailureLog handshakeFailureLog = new HandshakeFailureLog();
    // testtarget-modes: faults in front of the echo handler, and the echo handler chosen by echo.prefix
    private final FaultInjector faults;
    private final EchoHandlers echoHandlers;

    EchoChannelInitializer(Settings.Echo echo, EchoMetrics metrics, boolean blockingWrites, FaultInjector faults) {
        this(echo, metrics, blockingWrites, null, null, null, null, faults);
    }

    /**
     * @param proxy admission after the PROXY header, or {@code null} when proxy-protocol = off
     * @param tls   the TLS context of a TLS listener, or {@code null} for plain TCP
     */
    EchoChannelInitializer(Settings.Echo echo, EchoMetrics metrics, boolean blockingWrites,
                           ProxyAdmissionHandler.Context proxy, ReloadingSslContext tls,
                           ProtocolSettings.Tls tlsSettings, ProtocolMetrics protocolMetrics, FaultInjector faults) {
        this.echo = echo;
        this.metrics = metrics;
        this.blockingWrites = blockingWrites;
        this.proxy = proxy;
        this.tls = tls;
        this.tlsSettings = tlsSettings;
        this.protocolMetrics = protocolMetrics;
        this.faults = faults;
        this.echoHandlers = new EchoHandlers(echo, metrics, blockingWrites);
    }

    @Override
    protected void initChannel(Channel ch) {
        if (proxy == null) {
            addEchoHandlers(ch);
            return;
        }
        ChannelPipeline p = ch.pipeline();
        if (proxy.proxy().mode() == ProtocolSettings.ProxyMode.OPTIONAL) {
            p.addLast(PipelineNames.PROXY_DETECTOR, new ProxyProtocolDetector(PipelineNames.PROXY_DECODER));
            p.addLast(PipelineNames.PROXY_ADMISSION,
                    new ProxyAdmissionHandler(proxy, this::addEchoHandlers,
                            PipelineNames.PROXY_DETECTOR));
        } else {
            p.addLast(PipelineNames.PROXY_DECODER, new HAProxyMessageDecoder());
            p.addLast(PipelineNames.PROXY_ADMISSION,
                    new ProxyAdmissionHandler(proxy, this::addEchoHandlers, null));
        }
    }

    private void addEchoHandlers(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        if (tls != null) {
            SslHandler ssl = tls.current().newHandler(ch.alloc());
            ssl.setHandshakeTimeout(tlsSettings.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
            p.addLast(PipelineNames.TLS, ssl);
            p.addLast(PipelineNames.TLS_HANDSHAKE, new TlsHandshakeHandler(protocolMetrics, handshakeFailureLog));
        }
        p.addLast(PipelineNames.LIFECYCLE, new ConnectionLifecycleHandler(metrics));
        if (echo.idleTimeoutEnabled()) {
            p.addLast(PipelineNames.IDLE_TIMEOUT, new IdleTimeoutHandler(echo.idleTimeout()));
        }
        faults.install(p, blockingWrites); // testtarget-modes: nothing unless faults are on for this connection
        p.addLast(PipelineNames.ECHO, echoHandlers.newHandler()); // exact echo, or line echo with echo.prefix
    }
}
