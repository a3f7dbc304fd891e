package dev.echoport.metrics;

import dev.echoport.config.FaultSettings;
import dev.echoport.faults.Fault;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Meters of the injected faults, registered always (all 0 while no fault is on), one series per {@link Fault}, so a
 * dashboard can tell an honest echo from a test target at a glance.
 */
public final class FaultMetrics {
    /** {@code echoport_faults_active{fault}}: 1 while the fault is configured for new connections (or datagrams). */
    public static final String FAULTS_ACTIVE = "echoport.faults.active";
    /**
     * {@code echoport_faults_injected_total{fault}}: latency, bandwidth, slice: connections given the fault;
     * close_after_bytes, reset_after_bytes, reset_after: connections ended by it; udp_drop: datagrams dropped.
     */
    public static final String FAULTS_INJECTED = "echoport.faults.injected";

    private final Map<Fault, Counter> injected = new EnumMap<>(Fault.class);

    public FaultMetrics(MeterRegistry registry, Supplier<FaultSettings> current) {
        for (Fault f : Fault.values()) {
            Gauge.builder(FAULTS_ACTIVE, current, s -> s.get().active().contains(f) ? 1 : 0).strongReference(true)
                    .tag("fault", f.label())
                    .description("1 while the fault is injected on purpose (faults.* settings), else 0")
                    .register(registry);
            injected.put(f, Counter.builder(FAULTS_INJECTED).tag("fault", f.label())
                    .description("Faults injected: connections given latency/bandwidth/slice, connections ended by"
                            + " close/reset faults, datagrams dropped by udp_drop")
                    .register(registry));
        }
    }

    public void injected(Fault fault) {
        injected.get(fault).increment();
    }
}
