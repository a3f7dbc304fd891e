package dev.echoport.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import dev.echoport.tls.TlsProviderSelection;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * Meters of the TLS and UDP listeners (PROXY protocol refusals are {@code echoport_connections_rejected_total}
 * reasons). Registered only for the listeners that are enabled; every tag has a fixed set of values.
 */
public final class ProtocolMetrics {
    /** {@code echoport_tls_handshakes_total}: TLS handshakes completed. */
    public static final String TLS_HANDSHAKES = "echoport.tls.handshakes";
    /** {@code echoport_tls_handshake_failures_total{reason}}: TLS handshakes that failed, by {@link TlsFailure}. */
    public static final String TLS_HANDSHAKE_FAILURES = "echoport.tls.handshake.failures";
    /** {@code echoport_tls_certificate_reloads_total{result=success|failure}}: certificate reload attempts. */
    public static final String TLS_RELOADS = "echoport.tls.certificate.reloads";
    /** {@code echoport_tls_provider_info{requested=auto|openssl|jdk, active=openssl|jdk}}: 1, the TLS provider. */
    public static final String TLS_PROVIDER_INFO = "echoport.tls.provider.info";
    /** {@code echoport_udp_datagrams_received_total}: datagrams read. */
    public static final String UDP_DATAGRAMS_RECEIVED = "echoport.udp.datagrams.received";
    /** {@code echoport_udp_datagrams_sent_total}: echo datagrams written. */
    public static final String UDP_DATAGRAMS_SENT = "echoport.udp.datagrams.sent";
    /** {@code echoport_udp_bytes_received_total}: payload bytes read. */
    public static final String UDP_BYTES_RECEIVED = "echoport.udp.bytes.received";
    /** {@code echoport_udp_bytes_sent_total}: payload bytes echoed. */
    public static final String UDP_BYTES_SENT = "echoport.udp.bytes.sent";
    /** {@code echoport_udp_datagrams_dropped_total{reason}}: datagrams not echoed, by {@link UdpDrop}. */
    public static final String UDP_DROPPED = "echoport.udp.datagrams.dropped";
    /**
     * {@code echoport_udp_sources}: per-source buckets that gave a reply within the last minute, i.e. the sources (or
     * sources sharing a bucket) answered lately.
     */
    public static final String UDP_SOURCES = "echoport.udp.sources";

    /** Why a TLS handshake failed; each value is one {@code reason} label. */
    public enum TlsFailure {
        /** The client did not speak TLS (plain text on the TLS port). */
        NOT_TLS,
        /** A certificate was refused: the client's, or (as the client alerted) ours. */
        CERTIFICATE,
        /** No common protocol version or cipher, or another TLS protocol error. */
        PROTOCOL,
        /** The handshake did not finish within tls.handshake-timeout. */
        TIMEOUT,
        /** The client closed the connection before the handshake finished. */
        CLOSED,
        /** The client tried to renegotiate an established TLS 1.2 session: refused, connection closed. */
        RENEGOTIATION;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Why a datagram was not echoed; each value is one {@code reason} label. */
    public enum UdpDrop {
        /** The source is outside admission.allow or inside admission.deny. */
        DENIED,
        /** The source is over udp.packets-per-second-per-source (after its burst). */
        RATE_LIMITED,
        /** Larger than udp.max-datagram-size. */
        TOO_LARGE,
        /** The socket reported an error writing the reply. */
        WRITE_FAILED,
        /** The process-wide udp.max-replies-per-second or udp.max-reply-bytes-per-second is spent. */
        GLOBAL_BUDGET,
        /** The socket's reply queue is at its bound even after a flush: the reply is dropped, never queued. */
        SOCKET_FULL,
        /** A source a reply could loop with or flood: port 0, below 1024, our own, another answering service's. */
        UNSAFE_SOURCE,
        /** Dropped on purpose by faults.udp-drop. */
        FAULT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final MeterRegistry registry;
    private Counter tlsHandshakes;
    private final Map<TlsFailure, Counter> tlsFailures = new EnumMap<>(TlsFailure.class);
    private Counter reloadSuccess;
    private Counter reloadFailure;
    private final LongAdder udpIn = new LongAdder();
    private final LongAdder udpOut = new LongAdder();
    private final LongAdder udpBytesIn = new LongAdder();
    private final LongAdder udpBytesOut = new LongAdder();
    private final Map<UdpDrop, Counter> udpDrops = new EnumMap<>(UdpDrop.class);

    public ProtocolMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public void bindTls(TlsProviderSelection provider) {
        Gauge.builder(TLS_PROVIDER_INFO, () -> 1).tag("requested", provider.requestedName())
                .tag("active", provider.activeName()).strongReference(true)
                .description("The TLS provider serving the TLS listener (requested=auto shows what auto took)")
                .register(registry);
        tlsHandshakes = Counter.builder(TLS_HANDSHAKES).description("TLS handshakes completed").register(registry);
        for (TlsFailure f : TlsFailure.values()) {
            tlsFailures.put(f, Counter.builder(TLS_HANDSHAKE_FAILURES).tag("reason", f.label())
                    .description("TLS handshakes that failed, by reason").register(registry));
        }
        reloadSuccess = Counter.builder(TLS_RELOADS).tag("result", "success")
                .description("TLS certificate reload attempts, by result").register(registry);
        reloadFailure = Counter.builder(TLS_RELOADS).tag("result", "failure")
                .description("TLS certificate reload attempts, by result").register(registry);
    }

    public void bindUdp(IntSupplier trackedSources) {
        FunctionCounter.builder(UDP_DATAGRAMS_RECEIVED, udpIn, LongAdder::sum)
                .description("UDP datagrams received").register(registry);
        FunctionCounter.builder(UDP_DATAGRAMS_SENT, udpOut, LongAdder::sum)
                .description("UDP echo datagrams sent").register(registry);
        FunctionCounter.builder(UDP_BYTES_RECEIVED, udpBytesIn, LongAdder::sum)
                .description("UDP payload bytes received").register(registry);
        FunctionCounter.builder(UDP_BYTES_SENT, udpBytesOut, LongAdder::sum)
                .description("UDP payload bytes echoed").register(registry);
        for (UdpDrop d : UdpDrop.values()) {
            udpDrops.put(d, Counter.builder(UDP_DROPPED).tag("reason", d.label())
                    .description("UDP datagrams not echoed, by reason").register(registry));
        }
        Gauge.builder(UDP_SOURCES, trackedSources, IntSupplier::getAsInt).strongReference(true)
                .description("UDP per-source buckets that gave a reply within the last minute").register(registry);
    }

    public void tlsHandshake() {
        tlsHandshakes.increment();
    }

    public void tlsHandshakeFailed(TlsFailure reason) {
        tlsFailures.get(reason).increment();
    }

    public void tlsReload(boolean success) {
        (success ? reloadSuccess : reloadFailure).increment();
    }

    public void udpReceived(int bytes) {
        udpIn.increment();
        udpBytesIn.add(bytes);
    }

    public void udpSent(int bytes) {
        udpOut.increment();
        udpBytesOut.add(bytes);
    }

    public void udpDropped(UdpDrop reason) {
        udpDrops.get(reason).increment();
    }
}
