package dev.echoport.config;

import dev.echoport.admission.Cidr;
import dev.echoport.tls.TlsContexts;
import dev.echoport.tls.TlsProviderSelection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads and validates the {@code proxy-protocol}, {@code trusted-proxies}, {@code tls} and {@code udp} keys. With TLS
 * on, it also resolves {@code tls.provider} and (at start-up) checks the certificate files.
 */
final class ProtocolSettingsReader {
    private ProtocolSettingsReader() {
    }

    /** @param openFiles whether the TLS files are opened and checked (start-up) or only named (reload) */
    static ProtocolSettings read(ConfigReader r, Settings.Server server, int adminPort, boolean openFiles) {
        return new ProtocolSettings(proxy(r), tls(r, server, adminPort, openFiles), udp(r, adminPort));
    }

    private static ProtocolSettings.Proxy proxy(ConfigReader r) {
        ProtocolSettings.ProxyMode mode = r.oneOf("proxy-protocol", ProtocolSettings.ProxyMode.class);
        List<Cidr> trusted = r.list("trusted-proxies", "CIDR blocks like 10.0.0.0/8 or ::1/128", Cidr::parse);
        if (mode != ProtocolSettings.ProxyMode.OFF && trusted.isEmpty()) {
            throw r.error("trusted-proxies", "must name at least one CIDR block when echoport.proxy-protocol is "
                    + mode.name().toLowerCase(java.util.Locale.ROOT) + " (a header from anyone else is refused)");
        }
        return new ProtocolSettings.Proxy(mode, trusted,
                r.durationIn("proxy-protocol-timeout", Duration.ofMillis(10), Duration.ofMinutes(5)),
                // 232: the fixed part and a UNIX address block, the least Netty's decoder takes; 65551: the largest
                r.bytesIn("proxy-protocol-max-header-size", 232, 16 + 65535));
    }

    private static ProtocolSettings.Tls tls(ConfigReader r, Settings.Server server, int adminPort, boolean openFiles) {
        boolean enabled = r.bool("tls.enabled");
        int port = r.intIn("tls.port", 0, 65535);
        Optional<Path> cert = file(r, "tls.certificate", enabled);
        Optional<Path> key = file(r, "tls.private-key", enabled);
        String password = r.string("tls.private-key-password");
        ProtocolSettings.ClientAuth clientAuth = r.oneOf("tls.client-auth", ProtocolSettings.ClientAuth.class);
        Optional<Path> trust = file(r, "tls.trust-certificates",
                enabled && clientAuth != ProtocolSettings.ClientAuth.NONE);
        Duration handshake = r.durationIn("tls.handshake-timeout", Duration.ofMillis(10), Duration.ofMinutes(5));
        Duration reload = r.durationIn("tls.reload-check-interval", Duration.ZERO, Duration.ofDays(1));
        ProtocolSettings.TlsProvider requested = r.oneOf("tls.provider", ProtocolSettings.TlsProvider.class);
        if (!enabled) {
            return new ProtocolSettings.Tls(false, port, cert, key, password, clientAuth, trust, handshake, reload,
                    TlsProviderSelection.notResolved(requested));
        }
        if (port != 0 && (server.ports().contains(port) || port == adminPort)) {
            throw r.error("tls.port", "must differ from echoport.port and echoport.admin.port");
        }
        TlsProviderSelection provider;
        try {
            provider = TlsProviderSelection.resolve(requested);
        } catch (TlsProviderSelection.UnavailableException e) {
            // like an explicit transport: refused with Netty's reason, never replaced by the JDK's TLS
            throw new SettingsException(r.full("tls.provider"), r.full("tls.provider") + " = "
                    + requested.name().toLowerCase(java.util.Locale.ROOT) + ": " + e.getMessage());
        }
        ProtocolSettings.Tls tls = new ProtocolSettings.Tls(true, port, cert, key, password, clientAuth, trust,
                handshake, reload, provider);
        if (openFiles) {
            checkFiles(r, tls);
        }
        return tls;
    }

    /**
     * Start-up only: every file readable, and a TLS context built from them (key matching the certificate), so a bad
     * file stops start-up in one line naming its key. A reload does not come here: the running listener re-reads the
     * files itself ({@code ReloadingSslContext}), and a rotation caught half way must not refuse the admission rules.
     */
    private static void checkFiles(ConfigReader r, ProtocolSettings.Tls tls) {
        readable(r, "tls.certificate", tls.certificate());
        readable(r, "tls.private-key", tls.privateKey());
        readable(r, "tls.trust-certificates", tls.trustCertificates().filter(
                t -> tls.clientAuth() != ProtocolSettings.ClientAuth.NONE));
        try {
            TlsContexts.build(tls);
        } catch (TlsContexts.KeyMismatchException e) {
            throw r.error("tls.private-key", "does not match tls.certificate: " + oneLine(e));
        } catch (Exception e) {
            throw r.error("tls.certificate", "cannot build a TLS context from tls.certificate and "
                    + "tls.private-key: " + oneLine(e));
        }
    }

    private static ProtocolSettings.Udp udp(ConfigReader r, int adminPort) {
        boolean enabled = r.bool("udp.enabled");
        int port = r.intIn("udp.port", 0, 65535);
        int pps = r.intIn("udp.packets-per-second-per-source", 1, 10_000_000);
        int burst = r.intIn("udp.burst", 1, 10_000_000);
        int maxSize = r.bytesIn("udp.max-datagram-size", 1, 65507);
        int sources = r.intIn("udp.max-sources", 1, 10_000_000);
        int replies = r.intIn("udp.max-replies-per-second", 0, 10_000_000);
        int replyBytes = r.bytesIn("udp.max-reply-bytes-per-second", 0, 1L << 30);
        return new ProtocolSettings.Udp(enabled, port, maxSize, pps, burst, sources, replies, replyBytes);
    }

    /** A file path; when {@code required}, it must be named. "" = none. */
    private static Optional<Path> file(ConfigReader r, String key, boolean required) {
        String v = r.string(key).strip();
        if (v.isEmpty()) {
            if (required) {
                throw r.error(key, "required (a PEM file)");
            }
            return Optional.empty();
        }
        return Optional.of(Path.of(v));
    }

    private static void readable(ConfigReader r, String key, Optional<Path> file) {
        if (file.isPresent() && (!Files.isRegularFile(file.get()) || !Files.isReadable(file.get()))) {
            throw r.error(key, "file not found or not readable");
        }
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.replace('\n', ' ');
    }
}
