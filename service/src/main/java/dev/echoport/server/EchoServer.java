package dev.echoport.server;

import dev.echoport.admission.AdmissionHandler;
import dev.echoport.admission.AdmissionObserver;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.ChainedPolicy;
import dev.echoport.admission.ConnectionCounts;
import dev.echoport.admission.ConnectionTracker;
import dev.echoport.admission.RejectReason;
import dev.echoport.admission.RejectionLog;
import dev.echoport.admission.RulesPolicy;
import dev.echoport.config.Settings;
import dev.echoport.echo.CloseCause;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.faults.FaultInjector;
import dev.echoport.admission.Decision;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.proxy.ProxyAdmissionHandler;
import dev.echoport.tls.ReloadingSslContext;
import dev.echoport.udp.UdpEchoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.FixedRecvByteBufAllocator;
import dev.echoport.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The echo service: binds the listener(s) of the configured transport, applies admission to every connection, echoes,
 * and drains on request. Owns its event-loop groups, counters and meters, so several can run side by side.
 *
 * <p>{@link #start()} binds or fails with {@link BindFailedException}; {@link #drain(Duration)} stops accepting, lets
 * open connections finish for the grace period and closes the rest; {@link #close()} drains with no grace and frees
 * every thread. All three are idempotent.
 */
public final class EchoServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EchoServer.class);
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final Settings settings;
    private final Transport transport;
    private final EchoMetrics metrics;
    private final ConnectionTracker tracker = new ConnectionTracker();
    private final RulesPolicy rulesPolicy;
    private final AdmissionPolicy policy;
    private final ChannelGroup connections = new DefaultChannelGroup("echoport-connections",
            GlobalEventExecutor.INSTANCE);
    private final List<Channel> listeners = new ArrayList<>();
    private final String policyName;
    private ScheduledExecutorService housekeeping;
    private RejectionLog rejectionLog;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private volatile ServerState state = ServerState.NEW;
    private final ProtocolMetrics protocolMetrics;
    private ReloadingSslContext tlsContext;
    private Channel tlsListener;
    private Channel udpChannel;
    private EventLoopGroup udpGroup;
    private final FaultInjector faults; // testtarget-modes

    /** A server with the built-in rules and, if {@code settings} names one, the configured policy class. */
    public EchoServer(Settings settings, MeterRegistry registry) {
        this(settings, registry, settings.policyClass().map(EchoServer::instantiate));
    }

    /** A server whose built-in rules are followed by {@code extraPolicy} (for embedding and tests). */
    public EchoServer(Settings settings, MeterRegistry registry, Optional<AdmissionPolicy> extraPolicy) {
        this.settings = settings;
        this.transport = settings.server().transport().active();
        this.metrics = new EchoMetrics(registry);
        this.rulesPolicy = new RulesPolicy(servable(settings.admission()));
        this.policy = extraPolicy.<AdmissionPolicy>map(p -> new ChainedPolicy(rulesPolicy, p)).orElse(rulesPolicy);
        this.policyName = extraPolicy.map(p -> p.getClass().getName()).orElse("none");
        metrics.bindServer(tracker, settings.server().transport(), rulesPolicy::rules,
                settings.echo().writeBufferHighWatermark());
        metrics.bindPendingEchoBytes(this::pendingEchoBytes);
        this.protocolMetrics = new ProtocolMetrics(registry);
        this.faults = new FaultInjector(settings.faults(), registry, metrics); // testtarget-modes
    }

    /** Binds every listener. On failure everything opened so far is closed again before the exception leaves. */
    public synchronized EchoServer start() {
        if (state != ServerState.NEW) {
            return this;
        }
        state = ServerState.STARTING;
        Settings.Server s = settings.server();
        housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "echoport-housekeeping");
            t.setDaemon(true);
            return t;
        });
        rejectionLog = new RejectionLog(housekeeping, this::explain);
        acceptGroup = transport.newEventLoopGroup(transport.isThreadPerConnection() ? 0 : s.listeners(),
                "echoport-accept");
        ioGroup = transport.newEventLoopGroup(s.ioThreads(), "echoport-io");
        if (!transport.isThreadPerConnection()) {
            metrics.bindEventLoops(ioGroup);
        }
        try {
            int port = s.port();
            for (int i = 0; i < s.listeners(); i++) {
                ChannelFuture bind = bootstrap(null).bind(s.host(), port).awaitUninterruptibly();
                if (!bind.isSuccess()) {
                    throw new BindFailedException("echoport.port", s.host(), port, bind.cause());
                }
                listeners.add(bind.channel());
                port = ((InetSocketAddress) bind.channel().localAddress()).getPort(); // the rest share port 0's pick
            }
            startTls();
            startUdp();
        } catch (RuntimeException e) {
            state = ServerState.ACCEPTING; // let close() run its full course
            close();
            throw e;
        }
        state = ServerState.ACCEPTING;
        return this;
    }

    /** @param tls the TLS context for the TLS listener; {@code null} for plain TCP */
    private ServerBootstrap bootstrap(ReloadingSslContext tls) {
        Settings.Socket so = settings.socket();
        Settings.Echo echo = settings.echo();
        ProtocolSettings.Proxy proxy = settings.protocols().proxy();
        ServerBootstrap b = new ServerBootstrap()
                .group(acceptGroup, ioGroup)
                .channel(transport.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, so.backlog())
                .option(ChannelOption.SO_REUSEADDR, so.reuseAddress())
                .handler(new ChannelInitializer<ServerChannel>() {
                    @Override
                    protected void initChannel(ServerChannel ch) {
                        ch.pipeline().addLast(PipelineNames.ADMISSION, proxy.enabled()
                                // the client address is known only after the header: decided per connection then
                                ? new AdmissionHandler(new ConnectionTracker(), (peer, local, counts) -> Decision.ACCEPT,
                                        rulesPolicy::rules, GATE_OBSERVER, rejectionLog, connections::add)
                                : new AdmissionHandler(tracker, policy, rulesPolicy::rules, admissionObserver(),
                                        rejectionLog, connections::add));
                    }
                })
                .childOption(ChannelOption.TCP_NODELAY, so.tcpNoDelay())
                .childOption(ChannelOption.SO_KEEPALIVE, so.keepAlive())
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(echo.writeBufferLowWatermark(), echo.writeBufferHighWatermark()))
                .childHandler(new EchoChannelInitializer(echo, metrics, transport.isThreadPerConnection(),
                        proxy.enabled() ? proxyAdmission(proxy) : null, tls, settings.protocols().tls(),
                        protocolMetrics, faults));
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

    /** The listener of a PROXY protocol port admits every connection; it is counted once its header is decided. */
    private static final AdmissionObserver GATE_OBSERVER = new AdmissionObserver() {
        @Override
        public void accepted() {
        }

        @Override
        public void rejected(RejectReason reason) {
        }

        @Override
        public void deferred() {
        }
    };

    private ProxyAdmissionHandler.Context proxyAdmission(ProtocolSettings.Proxy proxy) {
        return new ProxyAdmissionHandler.Context(proxy, tracker, policy, rulesPolicy::rules, metrics::accepted,
                reason -> {
                    metrics.rejected(reason);
                    rejectionLog.record(reason);
                });
    }

    private void startTls() {
        ProtocolSettings.Tls tls = settings.protocols().tls();
        if (!tls.enabled()) {
            return;
        }
        protocolMetrics.bindTls();
        try {
            tlsContext = new ReloadingSslContext(tls, protocolMetrics::tlsReload);
        } catch (Exception e) { // the settings reader loaded these files already: one changed in between
            throw new IllegalStateException("echoport.tls.certificate: " + e.getMessage(), e);
        }
        ChannelFuture bind = bootstrap(tlsContext).bind(settings.server().host(), tls.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new BindFailedException("echoport.tls.port", settings.server().host(), tls.port(), bind.cause());
        }
        tlsListener = bind.channel();
        if (!tls.reloadCheckInterval().isZero()) {
            long every = tls.reloadCheckInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(tlsContext::checkForChange, every, every, TimeUnit.MILLISECONDS);
        }
    }

    private void startUdp() {
        ProtocolSettings.Udp udp = settings.protocols().udp();
        if (!udp.enabled()) {
            return;
        }
        // Its own single loop: one datagram socket is served by one thread on every transport (OIO included).
        udpGroup = transport.newEventLoopGroup(1, "echoport-udp");
        UdpEchoHandler handler = new UdpEchoHandler(udp, rulesPolicy::rules, protocolMetrics, faults);
        protocolMetrics.bindUdp(handler::trackedSources);
        ChannelFuture bind = new Bootstrap()
                .group(udpGroup)
                .channel(transport.datagramChannelClass())
                .option(ChannelOption.SO_REUSEADDR, settings.socket().reuseAddress())
                // one byte over the limit shows a datagram was too large (the kernel truncates to the buffer)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                        Math.min(65536, udp.maxDatagramSize() + 1)))
                .handler(handler)
                .bind(settings.server().host(), udp.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            throw new BindFailedException("echoport.udp.port", settings.server().host(), udp.port(), bind.cause());
        }
        udpChannel = bind.channel();
    }

    /** Reloads the TLS certificate files now (SIGHUP); false if TLS is off or the files did not load. */
    public boolean reloadTls() {
        return tlsContext != null && tlsContext.reload();
    }

    /** The TLS listener's port; -1 when TLS is off. */
    public int tlsPort() {
        return tlsListener == null ? -1 : ((InetSocketAddress) tlsListener.localAddress()).getPort();
    }

    /** The UDP listener's port; -1 when UDP is off. */
    public int udpPort() {
        return udpChannel == null ? -1 : ((InetSocketAddress) udpChannel.localAddress()).getPort();
    }

    public ProtocolMetrics protocolMetrics() {
        return protocolMetrics;
    }

    /** The faults in force for new connections; {@link FaultInjector#update} on reload (testtarget-modes). */
    public FaultInjector faults() {
        return faults;
    }

    private AdmissionObserver admissionObserver() {
        return new AdmissionObserver() {
            @Override
            public void accepted() {
                metrics.accepted();
            }

            @Override
            public void rejected(RejectReason reason) {
                metrics.rejected(reason);
            }

            @Override
            public void deferred() {
                metrics.deferred();
            }
        };
    }

    private String explain(RejectReason reason) {
        AdmissionRules r = rulesPolicy.rules();
        return switch (reason) {
            case MAX_CONNECTIONS -> "max-connections " + r.maxConnections() + " reached";
            case MAX_PER_IP -> "max-connections-per-ip " + r.maxConnectionsPerIp() + " reached";
            case DENIED -> "peer outside admission.allow or inside admission.deny";
            case DEFER_TIMEOUT -> "no slot freed within defer-timeout " + r.deferTimeout().toMillis() + " ms";
            case POLICY -> "refused by admission policy " + policyName;
            case SHUTDOWN -> "still deferred when the server began draining";
            case UNTRUSTED_PROXY -> "PROXY protocol from a source outside trusted-proxies "
                    + settings.protocols().proxy().trustedProxies();
            case PROXY_HEADER -> "invalid or missing PROXY protocol header (proxy-protocol = "
                    + settings.protocols().proxy().mode().name().toLowerCase(java.util.Locale.ROOT) + ", timeout "
                    + settings.protocols().proxy().timeout().toMillis() + " ms)";
        };
    }

    /**
     * Stops accepting (readiness turns false first), waits up to {@code grace} for open connections to end, then
     * closes the rest with cause {@code shutdown}. Returns how many had to be closed.
     */
    public synchronized int drain(Duration grace) {
        if (state != ServerState.ACCEPTING) {
            return 0;
        }
        state = ServerState.DRAINING;
        long start = System.nanoTime();
        for (Channel l : listeners) {
            l.close().awaitUninterruptibly();
        }
        for (Channel l : new Channel[]{tlsListener, udpChannel}) {
            if (l != null) {
                l.close().awaitUninterruptibly();
            }
        }
        int openAtStart = tracker.active();
        boolean allDone;
        try {
            // The grace period counts from the start of the drain: closing the listeners is part of it.
            Duration left = grace.minusNanos(System.nanoTime() - start);
            allDone = tracker.awaitNone(left.isNegative() ? Duration.ZERO : left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            allDone = false;
        }
        int forced = 0;
        if (!allDone) {
            for (Channel c : connections) {
                ConnectionLifecycleHandler.markCause(c, CloseCause.SHUTDOWN);
                forced++;
            }
            connections.close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
        }
        rejectionLog.flush();
        if (openAtStart > 0 || forced > 0) {
            log.info("drained in {} ms: {} of {} open connections ended within the grace period, {} closed at its end",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start), openAtStart - forced, openAtStart,
                    forced);
        }
        return forced;
    }

    /** Drains with no grace period and releases every thread. */
    @Override
    public synchronized void close() {
        if (state == ServerState.CLOSED || state == ServerState.NEW) {
            state = ServerState.CLOSED;
            return;
        }
        drain(Duration.ZERO);
        state = ServerState.CLOSED;
        List<io.netty.util.concurrent.Future<?>> stopping = new ArrayList<>();
        for (EventLoopGroup g : new EventLoopGroup[]{acceptGroup, ioGroup, udpGroup}) {
            if (g != null) {
                stopping.add(g.shutdownGracefully(0, LOOP_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        for (io.netty.util.concurrent.Future<?> f : stopping) {
            f.awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis() * 2);
        }
        if (housekeeping != null) {
            housekeeping.shutdownNow();
        }
    }

    public ServerState state() {
        return state;
    }

    /** True while accepting connections: what {@code /health/ready} reports. */
    public boolean isReady() {
        return state == ServerState.ACCEPTING;
    }

    /** The bound addresses, one per listener (the same port when several). */
    public List<InetSocketAddress> localAddresses() {
        return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    public InetSocketAddress localAddress() {
        return localAddresses().get(0);
    }

    public int port() {
        return localAddress().getPort();
    }

    /**
     * Echo bytes queued in user space for all connections, not yet written to their sockets: what backpressure
     * bounds (per connection: the high watermark plus at most one read).
     */
    public long pendingEchoBytes() {
        long sum = 0;
        for (Channel c : connections) {
            ChannelOutboundBuffer out = c.unsafe().outboundBuffer();
            if (out != null) {
                sum += out.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    public ConnectionCounts counts() {
        return tracker;
    }

    public AdmissionRules rules() {
        return rulesPolicy.rules();
    }

    /** Replaces the admission rules; applies to connections decided from now on, open ones are left alone. */
    public void updateRules(AdmissionRules rules) {
        rulesPolicy.update(servable(rules));
    }

    /**
     * With OIO each connection needs a thread of its own; with {@code io-threads = N > 0} Netty cannot register an
     * (N+1)th connection, and a connection that fails registration would hold its admission slot forever. So N also
     * caps max-connections: the extra connection is refused cleanly ({@code max_connections}) before registration.
     */
    private AdmissionRules servable(AdmissionRules rules) {
        int threads = settings.server().ioThreads();
        if (transport.isThreadPerConnection() && threads > 0
                && (rules.maxConnections() == 0 || rules.maxConnections() > threads)) {
            log.info("oio with io-threads = {}: max-connections capped at {} (one thread per connection)", threads,
                    threads);
            return rules.withMaxConnections(threads);
        }
        return rules;
    }

    public Settings settings() {
        return settings;
    }

    public Transport transport() {
        return transport;
    }

    public EchoMetrics metrics() {
        return metrics;
    }

    private static AdmissionPolicy instantiate(String className) {
        try {
            return (AdmissionPolicy) Class.forName(className).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("echoport.admission.policy-class = " + className + ": " + e, e);
        }
    }
}
