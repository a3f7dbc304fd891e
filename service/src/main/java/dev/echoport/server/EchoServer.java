package dev.echoport.server;

import dev.echoport.admission.Admission;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.ConnectionCounts;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.config.Settings;
import dev.echoport.echo.CloseCause;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.OverloadMetrics;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.overload.DirectMemory;
import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.proxy.ProxyProtocol;
import dev.echoport.tls.TlsTermination;
import dev.echoport.transport.Transport;
import dev.echoport.udp.UdpEchoListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
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
 * The echo service: composes its listeners (TCP, TLS, UDP) around one admission core, and runs their lifecycle. Owns
 * its event-loop groups, counters and meters, so several can run side by side.
 *
 * <p>{@link #start()} binds every listener or fails with a {@code BindFailedException} after closing what it opened;
 * {@link #drain(Duration)} stops accepting, lets open connections finish for the grace period and closes the rest;
 * {@link #close()} drains with no grace and frees every thread. All three are idempotent.
 */
public final class EchoServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EchoServer.class);
    private static final Duration LOOP_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final Settings settings;
    private final Transport transport;
    private final EchoMetrics metrics;
    private final ProtocolMetrics protocolMetrics;
    private final ScheduledExecutorService housekeeping;
    private final ProxyProtocol proxy;
    private final Admission admission;
    private final EchoMemoryBudget budget;
    private final FaultInjector faults;
    private final List<Channel> listeners = new ArrayList<>();
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private TlsTermination tls;
    private Channel tlsListener;
    private UdpEchoListener udp;
    private volatile ServerState state = ServerState.NEW;

    /** A server with the built-in rules and, if {@code settings} names one, the configured policy class. */
    public EchoServer(Settings settings, MeterRegistry registry) {
        this(settings, registry, settings.policyClass().map(AdmissionPolicy::instantiate));
    }

    /** A server whose built-in rules are followed by {@code extraPolicy} (for embedding and tests). */
    public EchoServer(Settings settings, MeterRegistry registry, Optional<AdmissionPolicy> extraPolicy) {
        this.settings = settings;
        this.transport = settings.server().transport().active();
        this.metrics = new EchoMetrics(registry);
        this.protocolMetrics = new ProtocolMetrics(registry);
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "echoport-housekeeping");
            t.setDaemon(true);
            return t;
        });
        this.proxy = new ProxyProtocol(settings.protocols().proxy());
        this.admission = new Admission(settings.admission(), extraPolicy,
                transport.isThreadPerConnection() ? settings.server().ioThreads() : 0,
                transport.isThreadPerConnection(), metrics, housekeeping, proxy::explain);
        Settings.Overload o = settings.overload();
        this.budget = new EchoMemoryBudget(o.echoMemoryBudget(), o.stopAcceptingBytes(),
                settings.echo().writeBufferHighWatermark(), DirectMemory.ofThisJvm());
        budget.recheckEvery(housekeeping);
        new OverloadMetrics(registry, budget);
        this.faults = new FaultInjector(settings.faults(), registry);
        metrics.bindServer(admission.counts(), settings.server().transport(), admission::rules,
                settings.echo().writeBufferHighWatermark());
        metrics.bindPendingEchoBytes(admission.openConnections());
    }

    /** Binds every listener. On failure everything opened so far is closed again before the exception leaves. */
    public synchronized EchoServer start() {
        if (state != ServerState.NEW) {
            return this;
        }
        state = ServerState.STARTING;
        Settings.Server s = settings.server();
        acceptGroup = transport.newEventLoopGroup(transport.isThreadPerConnection() ? 0 : s.listeners(),
                "echoport-accept");
        ioGroup = transport.newConnectionGroup(s.ioThreads(), "echoport-io", admission::threadFreed);
        if (!transport.isThreadPerConnection()) {
            metrics.bindEventLoops(ioGroup);
        }
        try {
            TcpListeners tcp = new TcpListeners(settings, acceptGroup, ioGroup, admission, proxy, budget,
                    faults, metrics);
            for (int configured : s.ports()) {
                int port = configured;
                for (int i = 0; i < s.listeners(); i++) {
                    Channel listener = tcp.bind("echoport.port", s.host(), port, null);
                    listeners.add(listener);
                    port = ((InetSocketAddress) listener.localAddress()).getPort(); // the rest share port 0's pick
                }
                metrics.port(port); // its series exist, at zero, before its first connection
            }
            ProtocolSettings p = settings.protocols();
            if (p.tls().enabled()) {
                tls = new TlsTermination(p.tls(), protocolMetrics);
                tlsListener = tcp.bind("echoport.tls.port", s.host(), p.tls().port(), tls);
                metrics.port(((InetSocketAddress) tlsListener.localAddress()).getPort());
                tls.watchFiles(housekeeping);
            }
            if (p.udp().enabled()) {
                udp = UdpEchoListener.bind(transport, s.host(), settings.socket().reuseAddress(), p.udp(),
                        admission::rules, protocolMetrics, faults);
            }
        } catch (RuntimeException e) {
            state = ServerState.ACCEPTING; // let close() run its full course
            close();
            throw e;
        }
        state = ServerState.ACCEPTING;
        return this;
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
        if (tlsListener != null) {
            tlsListener.close().awaitUninterruptibly();
        }
        if (udp != null) {
            udp.stop();
        }
        int openAtStart = admission.counts().active();
        boolean allDone;
        try {
            // The grace period counts from the start of the drain: closing the listeners is part of it.
            Duration left = grace.minusNanos(System.nanoTime() - start);
            allDone = admission.awaitNone(left.isNegative() ? Duration.ZERO : left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            allDone = false;
        }
        int forced = 0;
        if (!allDone) {
            for (Channel c : admission.openConnections()) {
                ConnectionLifecycleHandler.markCause(c, CloseCause.SHUTDOWN);
                forced++;
            }
            admission.openConnections().close().awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis());
        }
        admission.flushLog();
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
        if (state == ServerState.CLOSED) {
            return;
        }
        if (state != ServerState.NEW) {
            drain(Duration.ZERO);
        }
        state = ServerState.CLOSED;
        if (udp != null) {
            udp.close();
        }
        List<io.netty.util.concurrent.Future<?>> stopping = new ArrayList<>();
        for (EventLoopGroup g : new EventLoopGroup[]{acceptGroup, ioGroup}) {
            if (g != null) {
                stopping.add(g.shutdownGracefully(0, LOOP_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
        for (io.netty.util.concurrent.Future<?> f : stopping) {
            f.awaitUninterruptibly(LOOP_SHUTDOWN_TIMEOUT.toMillis() * 2);
        }
        housekeeping.shutdownNow();
    }

    /** Reloads the TLS certificate files now (SIGHUP); false if TLS is off or the files did not load. */
    public boolean reloadTls() {
        return tls != null && tls.reload();
    }

    /** Replaces the admission rules for new connections, and decides the deferred ones again at once. */
    public void updateRules(AdmissionRules rules) {
        admission.updateRules(rules);
    }

    public AdmissionRules rules() {
        return admission.rules();
    }

    public ConnectionCounts counts() {
        return admission.counts();
    }

    /**
     * Echo bytes queued in user space for all connections, not yet written to their sockets: what backpressure
     * bounds (per connection: the high watermark plus at most one read).
     */
    public long pendingEchoBytes() {
        return EchoMetrics.pendingEchoBytes(admission.openConnections());
    }

    public ServerState state() {
        return state;
    }

    /** True while accepting connections, not overloaded: what {@code /health/ready} reports. */
    public boolean isReady() {
        return state == ServerState.ACCEPTING && budget.accepting();
    }

    /** What readiness says when it is not ready: "starting", "draining", "overloaded", ... */
    public String readiness() {
        return state == ServerState.ACCEPTING && !budget.accepting() ? "overloaded"
                : state.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The faults in force for new connections ({@link FaultInjector#update} on reload). */
    public FaultInjector faults() {
        return faults;
    }

    /** The echo ports, as bound, in the order configured. */
    public List<Integer> ports() {
        return localAddresses().stream().map(InetSocketAddress::getPort).distinct().toList();
    }

    /** The bound addresses, one per listener (a port repeats when it has several listeners). */
    public List<InetSocketAddress> localAddresses() {
        return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    public int port() {
        return localAddresses().get(0).getPort();
    }

    /** The TLS listener's port; -1 when TLS is off. */
    public int tlsPort() {
        return tlsListener == null ? -1 : ((InetSocketAddress) tlsListener.localAddress()).getPort();
    }

    /** The UDP listener's port; -1 when UDP is off. */
    public int udpPort() {
        return udp == null ? -1 : udp.port();
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
}
