package dev.echoport;

import dev.echoport.admin.AdminServer;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsException;
import dev.echoport.config.SettingsLoader;
import dev.echoport.metrics.PrometheusRegistries;
import dev.echoport.server.EchoServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One running echoport process: the metrics registry, the echo server and the admin endpoint, started and stopped
 * together. Start binds the admin port first, so that readiness answers 503 until the echo listener accepts.
 */
public final class Echoport implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Echoport.class);

    private final Settings settings;
    private final Optional<Path> configFile;
    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gcMetrics;
    private final EchoServer server;
    private final Optional<AdminServer> admin;

    public Echoport(Settings settings, Optional<Path> configFile) {
        this.settings = settings;
        this.configFile = configFile;
        this.registry = PrometheusRegistries.create(settings.metrics());
        this.gcMetrics = PrometheusRegistries.bindGc(registry);
        this.server = new EchoServer(settings, registry);
        this.admin = settings.admin().enabled()
                ? Optional.of(new AdminServer(settings.admin(), registry, server::isReady,
                () -> server.state().name().toLowerCase(java.util.Locale.ROOT)))
                : Optional.empty();
    }

    /** Binds admin then echo; on any failure closes what was opened and rethrows. */
    public Echoport start() {
        try {
            admin.ifPresent(AdminServer::start);
            server.start();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("echoport {} started: {}; echo on {}{}; admin on {}; {}", Version.get(),
                settings.server().transport().describe(),
                settings.server().host() + ":" + server.port(),
                (settings.server().listeners() > 1 ? " (" + settings.server().listeners() + " listeners)" : "")
                        + describeProtocols(),
                admin.map(a -> settings.admin().host() + ":" + a.localAddress().getPort()).orElse("disabled"),
                describeLimits(server.rules()));
        return this;
    }

    /** Stops accepting, lets connections finish for the configured grace period, then closes everything. */
    public void shutdown() {
        log.info("shutting down: draining for up to {} ms", settings.shutdownGracePeriod().toMillis());
        server.drain(settings.shutdownGracePeriod());
        close();
        log.info("stopped");
    }

    /**
     * Re-reads the config file and applies the admission rules it holds (limits, CIDR lists, over-limit) to new
     * connections. Anything else that changed needs a restart and is named in the log. An invalid file changes
     * nothing.
     *
     * @return true if the new rules are in force
     */
    public boolean reload() {
        Settings next;
        try {
            next = SettingsLoader.load(configFile);
        } catch (SettingsException e) {
            log.error("reload refused, the running settings stay: {}", e.getMessage());
            return false;
        }
        List<String> ignored = new ArrayList<>();
        if (!next.server().equals(settings.server())) {
            ignored.add("listener and transport");
        }
        if (!next.socket().equals(settings.socket())) {
            ignored.add("socket");
        }
        if (!next.echo().equals(settings.echo())) {
            ignored.add("echo");
        }
        if (!next.admin().equals(settings.admin())) {
            ignored.add("admin");
        }
        if (!next.policyClass().equals(settings.policyClass())) {
            ignored.add("admission.policy-class");
        }
        if (next.protocols().tls().enabled()) {
            server.reloadTls(); // certificate files may have been replaced in place (same paths)
        }
        if (!next.protocols().equals(settings.protocols())) {
            ignored.add("proxy-protocol, tls or udp settings");
        }
        server.faults().update(next.faults()); // testtarget-modes: faults apply to new connections
        AdmissionRules before = server.rules();
        server.updateRules(next.admission());
        log.info("reloaded admission rules: {} (was: {}){}", describeLimits(server.rules()), describeLimits(before),
                ignored.isEmpty() ? "" : "; changes to " + String.join(", ", ignored) + " need a restart");
        return true;
    }

    public EchoServer server() {
        return server;
    }

    public Optional<AdminServer> admin() {
        return admin;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        server.close();
        admin.ifPresent(AdminServer::close);
        gcMetrics.close();
        registry.close();
    }

    private String describeProtocols() {
        var p = settings.protocols();
        return (p.proxy().enabled() ? ", PROXY protocol " + p.proxy().mode().name().toLowerCase(java.util.Locale.ROOT)
                + " from " + p.proxy().trustedProxies() : "")
                + (server.tlsPort() > 0 ? ", TLS on " + settings.server().host() + ":" + server.tlsPort() : "")
                + (server.udpPort() > 0 ? ", UDP on " + settings.server().host() + ":" + server.udpPort() : "");
    }

    static String describeLimits(AdmissionRules r) {
        return "max-connections=" + (r.maxConnections() == 0 ? "unlimited" : r.maxConnections())
                + ", max-connections-per-ip=" + (r.maxConnectionsPerIp() == 0 ? "unlimited" : r.maxConnectionsPerIp())
                + ", over-limit=" + r.overLimit().name().toLowerCase(java.util.Locale.ROOT)
                + (r.allow().isEmpty() ? "" : ", allow=" + r.allow())
                + (r.deny().isEmpty() ? "" : ", deny=" + r.deny());
    }
}
