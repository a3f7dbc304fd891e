package dev.echoport.server;

import dev.echoport.admission.AcceptAdmissionHandler;
import dev.echoport.admission.Admission;
import dev.echoport.config.Settings;
import dev.echoport.echo.EchoHandlers;
import dev.echoport.echo.PipelineNames;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.overload.PressureAwareReads;
import dev.echoport.proxy.ProxyProtocol;
import dev.echoport.tls.TlsTermination;
import dev.echoport.transport.AcceptErrorBackoff;
import dev.echoport.transport.BindFailedException;
import dev.echoport.transport.ListenerPause;
import dev.echoport.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.unix.UnixChannelOption;

/**
 * Binds TCP echo listeners (the plain ones and the TLS one) on shared event-loop groups: socket options from the
 * settings, the accept-error backoff and admission on each listening channel, the connection pipeline of
 * {@link EchoChannelInitializer} on each admitted connection.
 */
final class TcpListeners {
    private final Settings settings;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup ioGroup;
    private final Admission admission;
    private final ProxyProtocol proxy;
    private final EchoMemoryBudget budget;
    private final FaultInjector faults;
    private final EchoMetrics metrics;
    /** Read sizes for every connection (on io_uring each through its own view: {@link EchoChannelInitializer}). */
    private final PressureAwareReads reads;

    TcpListeners(Settings settings, EventLoopGroup acceptGroup, EventLoopGroup ioGroup, Admission admission,
                 ProxyProtocol proxy, EchoMemoryBudget budget, FaultInjector faults, EchoMetrics metrics) {
        this.settings = settings;
        this.transport = settings.server().transport().active();
        this.acceptGroup = acceptGroup;
        this.ioGroup = ioGroup;
        this.admission = admission;
        this.proxy = proxy;
        this.budget = budget;
        this.faults = faults;
        this.metrics = metrics;
        this.reads = new PressureAwareReads(budget, () -> admission.counts().active(),
                transport.isThreadPerConnection() ? 1 : 16);
    }

    /**
     * Binds one listener on {@code host}:{@code port}, with TLS in front of each connection when {@code tls} is not
     * {@code null}. {@code key} names the setting in the error if the port cannot be bound.
     */
    Channel bind(String key, String host, int port, TlsTermination tls) {
        ChannelFuture bind = bootstrap(tls).bind(host, port).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new BindFailedException(key, host, port, bind.cause());
        }
        return bind.channel();
    }

    private ServerBootstrap bootstrap(TlsTermination tls) {
        Settings.Socket so = settings.socket();
        Settings.Echo echo = settings.echo();
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, so.backlog())
                .option(ChannelOption.SO_REUSEADDR, so.reuseAddress())
                .option(ChannelOption.RCVBUF_ALLOCATOR, ListenerPause.acceptBatches())
                .handler(new ChannelInitializer<ServerChannel>() {
                    @Override
                    protected void initChannel(ServerChannel ch) {
                        ListenerPause pause = new ListenerPause(ch);
                        budget.watch(ch, pause);
                        ch.pipeline().addLast(PipelineNames.ACCEPT_BACKOFF, new AcceptErrorBackoff(pause));
                        ch.pipeline().addLast(PipelineNames.ADMISSION,
                                new AcceptAdmissionHandler(admission, pause, proxy::clientAtAccept));
                    }
                })
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, reads)
                .childOption(ChannelOption.TCP_NODELAY, so.tcpNoDelay())
                .childOption(ChannelOption.SO_KEEPALIVE, so.keepAlive())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(echo.writeBufferLowWatermark(), echo.writeBufferHighWatermark()))
                .childHandler(new EchoChannelInitializer(echo, metrics,
                        new EchoHandlers(echo, metrics, transport.isThreadPerConnection(), budget),
                        transport.isThreadPerConnection(), proxy, admission, tls, faults,
                        transport == Transport.IO_URING ? reads : null));
        if (so.reusePort()) {
            b.option(UnixChannelOption.SO_REUSEPORT, true);
        }
        if (so.receiveBuffer() > 0) {
            b.childOption(ChannelOption.SO_RCVBUF, so.receiveBuffer());
        }
        if (so.sendBuffer() > 0) {
            b.childOption(ChannelOption.SO_SNDBUF, so.sendBuffer());
        }
        return b;
    }
}
