package dev.echoport.metrics;

import dev.echoport.admission.AdmissionObserver;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.ConnectionCounts;
import dev.echoport.admission.RejectReason;
import dev.echoport.echo.CloseCause;
import dev.echoport.transport.TransportSelection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.netty4.NettyEventExecutorMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.prometheus.metrics.model.snapshots.Labels;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * Every echoport meter, created once per server. Names are a contract with dashboards and alerts: the Prometheus names
 * in each constant's comment are what {@code /metrics} shows. No tag ever takes a per-peer or per-connection value;
 * the {@code port} tag ({@link PortMetrics}) takes the ports echoport listens on.
 *
 * <p>The data path ({@link PortMetrics#bytesReceived}, {@link PortMetrics#bytesSent}, {@link #echoLatency}) only adds
 * to striped counters ({@link LongAdder}), the histogram included ({@link LatencyHistogram}): no lock, no allocation,
 * no clock read.
 */
public final class EchoMetrics implements AdmissionObserver {
    /** {@code echoport_connections_active}: admitted connections open now. */
    public static final String CONNECTIONS_ACTIVE = "echoport.connections.active";
    /** {@code echoport_connections_accepted_total{port}}: connections admitted by the condition function. */
    public static final String CONNECTIONS_ACCEPTED = "echoport.connections.accepted";
    /**
     * {@code echoport_connections_rejected_total{port,reason}}: connections refused, by {@link RejectReason#label()}.
     */
    public static final String CONNECTIONS_REJECTED = "echoport.connections.rejected";
    /** {@code echoport_connections_deferred_total}: connections that had to wait for a slot. */
    public static final String CONNECTIONS_DEFERRED = "echoport.connections.deferred";
    /** {@code echoport_connections_closed_total{cause}}: admitted connections that ended, by {@link CloseCause}. */
    public static final String CONNECTIONS_CLOSED = "echoport.connections.closed";
    /** {@code echoport_connection_duration_seconds}: lifetime of admitted connections (histogram). */
    public static final String CONNECTION_DURATION = "echoport.connection.duration";
    /** {@code echoport_bytes_received_total{port}}: bytes read from admitted connections. */
    public static final String BYTES_RECEIVED = "echoport.bytes.received";
    /** {@code echoport_bytes_sent_total{port}}: bytes echoed and written to the socket successfully. */
    public static final String BYTES_SENT = "echoport.bytes.sent";
    /** {@code echoport_echo_latency_seconds}: from reading a batch of bytes to its echo being written (histogram). */
    public static final String ECHO_LATENCY = "echoport.echo.latency";
    /**
     * The Prometheus name of {@link #ECHO_LATENCY}, which is exported by its own collector (see
     * {@link LatencyHistogram}).
     */
    public static final String ECHO_LATENCY_PROMETHEUS = "echoport_echo_latency_seconds";
    /**
     * {@code echoport_backpressure_pauses_total{reason}}: times reading stopped, by {@link PauseReason}: the peer did
     * not read its echo fast enough, or the process's echo memory budget stopped the connections holding the most.
     */
    public static final String BACKPRESSURE_PAUSES = "echoport.backpressure.pauses";
    /** {@code echoport_echo_pending_bytes}: echo bytes queued for slow peers, not yet written (all connections). */
    public static final String ECHO_PENDING = "echoport.echo.pending";
    /** {@code echoport_transport_info{requested,active}}: always 1; shows what {@code auto} chose. */
    public static final String TRANSPORT_INFO = "echoport.transport.info";
    /** {@code echoport_limits{kind}}: the configured limits, so dashboards can draw them (0 = no limit). */
    public static final String LIMITS = "echoport.limits";

    private static final Duration[] DURATION_BUCKETS = seconds(0.001, 0.01, 0.1, 1, 10, 60, 300, 900, 3600);
    private static final Duration[] LATENCY_BUCKETS = seconds(0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10);

    private final MeterRegistry registry;
    private final Map<Integer, PortMetrics> ports = new ConcurrentHashMap<>();
    private final Map<PauseReason, LongAdder> pauses = new EnumMap<>(PauseReason.class);
    private final Counter deferred;
    private final Map<CloseCause, Counter> closed = new EnumMap<>(CloseCause.class);
    private final Timer connectionDuration;
    private final LatencyHistogram echoLatency = new LatencyHistogram(LATENCY_BUCKETS);

    public EchoMetrics(MeterRegistry registry) {
        this.registry = registry;
        deferred = Counter.builder(CONNECTIONS_DEFERRED)
                .description("Connections that waited for a free slot (over-limit = defer)").register(registry);
        for (CloseCause c : CloseCause.values()) {
            closed.put(c, Counter.builder(CONNECTIONS_CLOSED).tag("cause", c.label())
                    .description("Admitted connections that ended, by cause").register(registry));
        }
        for (PauseReason r : PauseReason.values()) {
            LongAdder n = new LongAdder();
            pauses.put(r, n);
            FunctionCounter.builder(BACKPRESSURE_PAUSES, n, LongAdder::sum).tag("reason", r.label())
                    .description("Reads paused: the peer was not reading its echo, or the echo memory budget")
                    .register(registry);
        }
        connectionDuration = Timer.builder(CONNECTION_DURATION)
                .description("Lifetime of admitted connections")
                .serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        registerEchoLatency(registry);
    }

    /**
     * The echo latency histogram is recorded once per read batch, so it is not a Micrometer {@code Timer} (see
     * {@link LatencyHistogram} for the measured difference). With the Prometheus registry it is exported by a collector
     * of its own, under the name and with the common tags a Timer would have had; with any other registry as a
     * {@code FunctionTimer} (count and total).
     */
    private void registerEchoLatency(MeterRegistry registry) {
        String help = "Time from reading bytes to their echo being written to the socket";
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            // The common tags are applied to every Micrometer meter at registration: read them off one of ours.
            Labels labels = Labels.EMPTY;
            for (Tag t : deferred.getId().getTags()) {
                labels = labels.add(t.getKey(), t.getValue());
            }
            Labels common = labels;
            prometheus.getPrometheusRegistry().register(
                    () -> echoLatency.snapshot(ECHO_LATENCY_PROMETHEUS, help, common));
        } else {
            FunctionTimer.builder(ECHO_LATENCY, echoLatency, LatencyHistogram::count, LatencyHistogram::sumNanos,
                    TimeUnit.NANOSECONDS).description(help).register(registry);
        }
    }

    /** Registers the gauges that read live state: the open-connection count, the transport, the limits. */
    public void bindServer(ConnectionCounts counts, TransportSelection transport,
                           Supplier<AdmissionRules> rules, long writeBufferHighWatermark) {
        Gauge.builder(CONNECTIONS_ACTIVE, counts, ConnectionCounts::active).strongReference(true)
                .description("Admitted connections open now").register(registry);
        Gauge.builder(TRANSPORT_INFO, () -> 1)
                .tag("requested", transport.requested()).tag("active", transport.active().configName())
                .description("The transport (I/O model) in use; requested=auto shows what auto chose")
                .register(registry);
        limit("max_connections", rules, AdmissionRules::maxConnections);
        limit("max_connections_per_ip", rules, AdmissionRules::maxConnectionsPerIp);
        Gauge.builder(LIMITS, () -> writeBufferHighWatermark).tag("kind", "write_buffer_high_watermark_bytes")
                .description("Configured limits; 0 means no limit").register(registry);
    }

    private void limit(String kind, Supplier<AdmissionRules> rules, ToIntFunction<AdmissionRules> value) {
        Gauge.builder(LIMITS, rules, r -> value.applyAsInt(r.get())).strongReference(true).tag("kind", kind)
                .description("Configured limits; 0 means no limit").register(registry);
    }

    /** Registers the gauge of echo bytes queued in user space, summed over {@code open} connections at scrape time. */
    public void bindPendingEchoBytes(Iterable<Channel> open) {
        Gauge.builder(ECHO_PENDING, open, EchoMetrics::pendingEchoBytes).strongReference(true).baseUnit("bytes")
                .description("Echo bytes queued for peers that read slower than they write, not yet written")
                .register(registry);
    }

    /** Echo bytes queued in the outbound buffers of {@code open}, not yet written to their sockets. */
    public static long pendingEchoBytes(Iterable<Channel> open) {
        long sum = 0;
        for (Channel c : open) {
            ChannelOutboundBuffer out = c.unsafe().outboundBuffer();
            if (out != null) {
                sum += out.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /** Binds Netty's pending-task gauges for the loops of {@code group} (one tag value per loop thread: bounded). */
    public void bindEventLoops(EventLoopGroup group) {
        new NettyEventExecutorMetrics(group).bindTo(registry);
    }

    @Override
    public void accepted(int port) {
        port(port).accepted();
    }

    @Override
    public void rejected(int port, RejectReason reason) {
        port(port).rejected(reason);
    }

    @Override
    public void deferred() {
        deferred.increment();
    }

    public void closed(CloseCause cause, long lifetimeNanos) {
        closed.get(cause).increment();
        connectionDuration.record(lifetimeNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The meters of echo port {@code port} (registered, at zero, on first use): the listeners ask once they are bound,
     * each connection's handlers when it is admitted.
     */
    public PortMetrics port(int port) {
        return ports.computeIfAbsent(port, p -> new PortMetrics(registry, p));
    }

    public void echoLatency(long nanos) {
        echoLatency.record(nanos);
    }

    public void backpressurePause(PauseReason reason) {
        pauses.get(reason).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }

    private static Duration[] seconds(double... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofNanos(Math.round(values[i] * 1e9));
        }
        return d;
    }

    /** Why reading stopped on a connection; each value is one {@code reason} label of the pauses counter. */
    public enum PauseReason {
        /** Its peer did not read its echo: the queue passed the write-buffer high watermark. */
        PEER_SLOW,
        /** The echo memory budget: the process queues too much, and this connection holds a large share. */
        MEMORY_BUDGET;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
