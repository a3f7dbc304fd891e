package dev.echoport;

import dev.echoport.admin.AdminServer;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsException;
import dev.echoport.config.SettingsLoader;
import dev.echoport.metrics.ConfigReloadMetrics;
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
    private final ConfigReloadMetrics reloads;

    public Echoport(Settings settings, Optional<Path> configFile) {
        this(settings, configFile, Optional.empty());
    }

    /** As above, with {@code extraPolicy} asked after the built-in rules instead of a configured policy class. */
    public Echoport(Settings settings, Optional<Path> configFile, Optional<AdmissionPolicy> extraPolicy) {
        this.settings = settings;
        this.configFile = configFile;
        this.registry = PrometheusRegistries.create(settings.metrics());
        this.gcMetrics = PrometheusRegistries.bindGc(registry);
        this.server = extraPolicy.isPresent() ? new EchoServer(settings, registry, extraPolicy)
                : new EchoServer(settings, registry);
        this.reloads = new ConfigReloadMetrics(registry);
        this.admin = settings.admin().enabled()
                ? Optional.of(new AdminServer(settings.admin(), registry, server::isReady,
                server::readiness))
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
                settings.server().host() + ":" + server.ports().stream().map(String::valueOf)
                        .collect(java.util.stream.Collectors.joining(", ")),
                (settings.server().listeners() > 1 ? " (" + settings.server().listeners() + " listeners"
                        + (settings.server().ports().size() > 1 ? " each" : "") + ")" : "")
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
     * What SIGHUP does, in two parts applied or refused each on its own, each with its own log line and counter: the
     * config file's admission rules (limits, CIDR lists, over-limit) for new connections, then (with TLS on) the
     * certificate files. An invalid file keeps the running rules; a certificate rotation caught half way keeps the
     * running certificate. Neither holds the other back.
     *
     * @return true if the new admission rules are in force
     */
    public boolean reload() {
        boolean rules = reloadSettings();
        if (settings.protocols().tls().enabled()) {
            server.reloadTls(); // the running listener's files (same paths), whatever the config file now says
        }
        return rules;
    }

    /**
     * Re-reads the config file, without opening the certificate files: the admission rules and the faults apply;
     * anything else needs a restart, and the log line says so.
     */
    private boolean reloadSettings() {
        Settings next;
        try {
            next = SettingsLoader.loadForReload(configFile);
        } catch (SettingsException e) {
            log.error("reload refused, the running settings stay: {}", e.getMessage());
            reloads.reloaded(false);
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
        if (!next.overload().equals(settings.overload())) {
            ignored.add("overload");
        }
        if (!next.admin().equals(settings.admin())) {
            ignored.add("admin");
        }
        if (!next.policyClass().equals(settings.policyClass())) {
            ignored.add("admission.policy-class");
        }
        if (!next.protocols().equals(settings.protocols())) {
            ignored.add("proxy-protocol, tls or udp settings");
        }
        server.faults().update(next.faults()); // testtarget-modes: faults apply to new connections
        AdmissionRules before = server.rules();
        server.updateRules(next.admission());
        log.info("reloaded admission rules: {} (was: {}){}", describeLimits(server.rules()), describeLimits(before),
                ignored.isEmpty() ? "" : "; changes to " + String.join(", ", ignored) + " need a restart");
        reloads.reloaded(true);
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
                + (server.tlsPort() > 0 ? ", TLS on " + settings.server().host() + ":" + server.tlsPort() + " with "
                + p.tls().provider().describe() : "")
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
