package dev.echoport.metrics;

import dev.echoport.config.Settings;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;

import java.lang.management.ManagementFactory;
import java.util.List;

/** Creates the process's Prometheus registry: common tags, JVM and process binders, Netty's allocator. */
public final class PrometheusRegistries {
    private PrometheusRegistries() {
    }

    /** A registry with the standard binders; the caller closes it at shutdown. */
    public static PrometheusMeterRegistry create(Settings.Metrics settings) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<Tag> tags = settings.commonTags().entrySet().stream().map(e -> Tag.of(e.getKey(), e.getValue())).toList();
        registry.config().commonTags(tags);
        registry.config().meterFilter(new LintCleanMeterFilter()); // before any binder registers a meter
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        bindProcessCpuSeconds(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        // The allocator every channel uses: Netty 4.2's default is the adaptive one, not PooledByteBufAllocator.DEFAULT
        // (which would report an idle pool). Both, and the unpooled one, provide metrics.
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider provider) {
            new NettyAllocatorMetrics(provider).bindTo(registry);
        }
        return registry;
    }

    /**
     * {@code process_cpu_seconds_total}: CPU time of the JVM process, in seconds, under the name Prometheus' process
     * collector uses; it replaces Micrometer's process.cpu.time, which counts nanoseconds (see LintCleanMeterFilter).
     */
    private static void bindProcessCpuSeconds(MeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                && os.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the Java Virtual Machine process").register(registry);
        }
    }

    /** GC metrics hold a JMX listener that must be closed with the registry: bound separately by the process. */
    public static JvmGcMetrics bindGc(PrometheusMeterRegistry registry) {
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        return gc;
    }
}
