package dev.echoport.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The settings part of a reload (SIGHUP): the config file re-read and its admission rules applied, or refused. The
 * certificate files are reloaded apart from it and counted by {@code echoport_tls_certificate_reloads_total}.
 */
public final class ConfigReloadMetrics {
    /** {@code echoport_config_reloads_total{result=success|failure}}: settings reloads, by whether they applied. */
    public static final String CONFIG_RELOADS = "echoport.config.reloads";

    private final Counter success;
    private final Counter failure;

    public ConfigReloadMetrics(MeterRegistry registry) {
        success = Counter.builder(CONFIG_RELOADS).tag("result", "success")
                .description("Settings reloads (SIGHUP), by result: success = the new admission rules apply")
                .register(registry);
        failure = Counter.builder(CONFIG_RELOADS).tag("result", "failure")
                .description("Settings reloads (SIGHUP), by result: success = the new admission rules apply")
                .register(registry);
    }

    public void reloaded(boolean applied) {
        (applied ? success : failure).increment();
    }
}
