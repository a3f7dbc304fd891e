package dev.echoport.faults;

import dev.echoport.config.FaultSettings;
import dev.echoport.metrics.PortMetrics;
import dev.echoport.metrics.FaultMetrics;
import dev.echoport.echo.PipelineNames;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelPipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The faults in force for new connections and datagrams: decides, once per connection when it is admitted, whether it
 * gets them (faults.probability) and puts their handlers in front of its echo handler; a connection without faults
 * gets no handler at all, so the plain path pays nothing. Replaced as a whole on reload (SIGHUP); open connections
 * keep what they got. Says so in one WARN line whenever faults are on.
 */
public final class FaultInjector {
    private static final Logger log = LoggerFactory.getLogger(FaultInjector.class);

    private final AtomicReference<FaultSettings> current;
    private final FaultMetrics metrics;

    public FaultInjector(FaultSettings initial, MeterRegistry registry) {
        this.current = new AtomicReference<>(initial);
        this.metrics = new FaultMetrics(registry, current::get);
        if (!initial.active().isEmpty()) {
            log.warn("faults injected on purpose: {}", initial.describe());
        }
    }

    public FaultSettings current() {
        return current.get();
    }

    /** New connections (and datagrams) get {@code next} from now on. */
    public void update(FaultSettings next) {
        FaultSettings before = current.getAndSet(next);
        if (next.equals(before)) {
            return;
        }
        if (next.active().isEmpty()) {
            log.info("faults off for new connections (were: {})", before.describe());
        } else {
            log.warn("faults injected on purpose, for new connections from now on: {}", next.describe());
        }
    }

    /**
     * Adds this connection's fault handlers, if it gets any, at the end of {@code p}: call it just before the echo
     * handler is added. Outbound, in the order the echo meets them: latency, slice, bandwidth, then the byte count of
     * close/reset-after-bytes nearest the socket, so that it counts what really leaves.
     *
     * @param threadPerConnection the transport is OIO (timers then need short blocking reads)
     * @param port                the meters of the connection's port (bytes read past close-after-bytes count there)
     */
    public void install(ChannelPipeline p, boolean threadPerConnection, PortMetrics port) {
        FaultSettings f = current.get();
        if (!f.anyConnectionFault()
                || (f.probability() < 1 && ThreadLocalRandom.current().nextDouble() >= f.probability())) {
            return;
        }
        if (!f.resetAfter().isZero()) {
            p.addLast(PipelineNames.FAULT_RESET_AFTER,
                    new ResetAfterFaultHandler(f.resetAfter(), threadPerConnection, metrics::injected));
        }
        if (f.closeAfterBytes() > 0 || f.resetAfterBytes() > 0) {
            boolean reset = f.resetAfterBytes() > 0;
            p.addLast(PipelineNames.FAULT_END_AFTER_BYTES, new EndAfterBytesFaultHandler(
                    reset ? f.resetAfterBytes() : f.closeAfterBytes(), reset, metrics::injected,
                    port::bytesReceived));
        }
        if (f.bandwidth() > 0) {
            p.addLast(PipelineNames.FAULT_BANDWIDTH, new BandwidthFaultHandler(f.bandwidth(), threadPerConnection));
            metrics.injected(Fault.BANDWIDTH);
        }
        if (f.slice() > 0) {
            p.addLast(PipelineNames.FAULT_SLICE, new SliceFaultHandler(f.slice(), f.sliceDelay(), threadPerConnection));
            metrics.injected(Fault.SLICE);
        }
        if (!f.latency().isZero()) {
            p.addLast(PipelineNames.FAULT_LATENCY,
                    new LatencyFaultHandler(f.latency(), f.latencyJitter(), threadPerConnection));
            metrics.injected(Fault.LATENCY);
        }
    }

    /** Whether this datagram is dropped by faults.udp-drop (counted here when it is). */
    public boolean dropDatagram() {
        double share = current.get().udpDrop();
        if (share > 0 && ThreadLocalRandom.current().nextDouble() < share) {
            metrics.injected(Fault.UDP_DROP);
            return true;
        }
        return false;
    }
}
