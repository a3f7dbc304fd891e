package dev.echoport.metrics;

import dev.echoport.overload.EchoMemoryBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.function.ToDoubleFunction;

/** Meters of the overload protection: the echo memory budget, and whether its actions are in force. */
public final class OverloadMetrics {
    /**
     * {@code echoport_overload_active{action}}: 1 while an overload action is in force: {@code pause_biggest_readers}
     * (queued echo bytes over the budget, or direct memory in use over its pause mark) or {@code stop_accepting} (at
     * a stop-accepting mark).
     */
    public static final String OVERLOAD_ACTIVE = "echoport.overload.active";
    /** {@code echoport_overload_accept_stops_total}: times the listeners stopped accepting for the memory budget. */
    public static final String ACCEPT_STOPS = "echoport.overload.accept.stops";

    private final Counter acceptStops;

    /** Binds the gauges of {@code budget}; its limits go under {@code echoport_limits{kind}} beside the others. */
    public OverloadMetrics(MeterRegistry registry, EchoMemoryBudget budget) {
        Gauge.builder(OVERLOAD_ACTIVE, budget, b -> b.overBudget() ? 1 : 0).strongReference(true)
                .tag("action", "pause_biggest_readers")
                .description("1 while an overload action is in force").register(registry);
        Gauge.builder(OVERLOAD_ACTIVE, budget, b -> b.accepting() ? 0 : 1).strongReference(true)
                .tag("action", "stop_accepting")
                .description("1 while an overload action is in force").register(registry);
        limit(registry, budget, "echo_memory_budget_bytes", EchoMemoryBudget::budget);
        limit(registry, budget, "echo_memory_stop_accepting_bytes", EchoMemoryBudget::stopAcceptingMark);
        limit(registry, budget, "direct_memory_pause_bytes", EchoMemoryBudget::directPauseMark);
        limit(registry, budget, "direct_memory_stop_accepting_bytes", EchoMemoryBudget::directStopMark);
        acceptStops = Counter.builder(ACCEPT_STOPS)
                .description("Times the listeners stopped accepting because queued echo bytes or direct memory in use "
                        + "reached a mark")
                .register(registry);
        budget.onAcceptingChanged(() -> {
            if (!budget.accepting()) {
                acceptStops.increment();
            }
        });
    }

    private static void limit(MeterRegistry registry, EchoMemoryBudget budget, String kind,
                              ToDoubleFunction<EchoMemoryBudget> value) {
        Gauge.builder(EchoMetrics.LIMITS, budget, value).strongReference(true).tag("kind", kind)
                .description("Configured limits; 0 means no limit").register(registry);
    }
}
