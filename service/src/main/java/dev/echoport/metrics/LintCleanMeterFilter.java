package dev.echoport.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

import java.util.Map;

/**
 * Makes the meters of Micrometer's standard binders pass Prometheus' own linter ({@code promtool check metrics}), so
 * a scrape of echoport is clean: HELP text for the Netty meters whose binders give none, {@code system_cpu_count}
 * renamed (a gauge must not end in {@code _count}, the suffix of a histogram's series), and
 * {@code process_cpu_time_ns_total} (an abbreviated unit) replaced by {@code process_cpu_seconds_total}, the name
 * Prometheus' own process collector uses (registered by {@link PrometheusRegistries}).
 */
final class LintCleanMeterFilter implements MeterFilter {
    /** Micrometer's process CPU time, in nanoseconds: its unit cannot be changed by a filter, only its name. */
    static final String PROCESS_CPU_TIME_NANOS = "process.cpu.time";
    /** {@code system_cpus_available}: what Micrometer calls system.cpu.count. */
    static final String CPUS_AVAILABLE = "system.cpus.available";

    private static final Map<String, String> HELP = Map.of(
            "netty.allocator.memory.used", "Memory held by Netty's buffer allocator, by allocator and memory type",
            "netty.allocator.memory.pinned", "Memory of Netty's buffer allocator in use by buffers not yet released",
            "netty.eventexecutor.tasks.pending", "Tasks queued on each I/O event loop, waiting to run");

    @Override
    public MeterFilterReply accept(Meter.Id id) {
        return id.getName().equals(PROCESS_CPU_TIME_NANOS) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
    }

    @Override
    public Meter.Id map(Meter.Id id) {
        String name = id.getName().equals("system.cpu.count") ? CPUS_AVAILABLE : id.getName();
        String help = id.getDescription();
        if (help == null || help.isBlank()) {
            help = HELP.getOrDefault(name, name.replace('.', ' ') + " (no description from its Micrometer binder)");
        }
        if (name.equals(id.getName()) && help.equals(id.getDescription())) {
            return id;
        }
        return new Meter.Id(name, Tags.of(id.getTagsAsIterable()), id.getBaseUnit(), help, id.getType());
    }
}
