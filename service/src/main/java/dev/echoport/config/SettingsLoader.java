package dev.echoport.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.transport.Transport;
import dev.echoport.transport.TransportSelection;
import dev.echoport.transport.TransportUnavailableException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Builds {@link Settings} from HOCON, once. Layers, highest first: JVM system properties ({@code -Dechoport.port=...}),
 * environment variables ({@code ECHOPORT_PORT}, see {@code echoport-env.conf}), the config file
 * ({@code --config FILE} or {@code -Dconfig.file}), {@code reference.conf}.
 */
public final class SettingsLoader {
    static final String ROOT = "echoport";
    private static final String PREFIX = ROOT + ".";
    private static final String COMMON_TAGS = "metrics.common-tags";
    private static final Pattern TAG_KEY = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final int MAX_PREFIX_BYTES = 256;

    private SettingsLoader() {
    }

    /**
     * Loads the layered configuration and validates it.
     *
     * @param file the config file, if one was named; it must exist
     * @throws SettingsException with one line naming the key, for any problem
     */
    public static Settings load(Optional<Path> file) {
        return load(file, true);
    }

    /**
     * As {@link #load(Optional)}, every value validated, but the TLS certificate files are only named, not opened: what
     * a reload (SIGHUP) reads. The running TLS listener re-reads its files itself and reports that on its own, so a
     * certificate rotation caught half way cannot refuse new admission rules.
     */
    public static Settings loadForReload(Optional<Path> file) {
        return load(file, false);
    }

    private static Settings load(Optional<Path> file, boolean openFiles) {
        Config fileLayer = ConfigFactory.empty();
        Optional<Path> f = file.or(() -> Optional.ofNullable(System.getProperty("config.file")).map(Path::of));
        if (f.isPresent()) {
            Path p = f.get();
            if (Files.isDirectory(p) || !Files.isReadable(p)) {
                throw new SettingsException("config.file", "config file " + p + ": not found or not readable");
            }
            try {
                fileLayer = ConfigFactory.parseFile(p.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            } catch (ConfigException e) {
                throw new SettingsException("config.file", "config file " + p + ": " + e.getMessage());
            }
        }
        return fromLayers(fileLayer, openFiles);
    }

    /** Validates {@code file} layered over the defaults, with the same system-property and environment overrides. */
    public static Settings fromLayers(Config fileLayer) {
        return fromLayers(fileLayer, true);
    }

    private static Settings fromLayers(Config fileLayer, boolean openFiles) {
        Config merged;
        try {
            merged = ConfigFactory.defaultOverrides()
                    .withFallback(ConfigFactory.parseResources(SettingsLoader.class, "/echoport-env.conf"))
                    .withFallback(fileLayer)
                    .withFallback(defaults())
                    .resolve();
        } catch (ConfigException e) {
            throw new SettingsException(ROOT, "config: " + e.getMessage());
        }
        return fromConfig(merged, openFiles);
    }

    /** Validates an already-merged config that contains every key (tests build one with {@link #defaults()}). */
    public static Settings fromConfig(Config merged) {
        return fromConfig(merged, true);
    }

    /** @param openFiles whether the TLS files are opened and checked (start-up) or only named (reload) */
    private static Settings fromConfig(Config merged, boolean openFiles) {
        if (!merged.hasPath(ROOT) || merged.getValue(ROOT).valueType() != ConfigValueType.OBJECT) {
            throw new SettingsException(ROOT, ROOT + ": missing or not an object");
        }
        Config c = merged.getConfig(ROOT);
        rejectUnknownKeys(c);
        ConfigReader r = new ConfigReader(c, PREFIX);

        TransportSelection transport = transport(r);
        Settings.Server server = new Settings.Server(
                r.nonEmptyString("host"), PortsReader.ports(r), transport,
                r.intIn("io-threads", 0, 4096), r.intIn("listeners", 1, 256));
        Settings.Socket socket = new Settings.Socket(
                r.intIn("socket.backlog", 1, 65535), r.bool("socket.tcp-nodelay"), r.bool("socket.reuse-address"),
                r.bool("socket.reuse-port"), r.bytesIn("socket.receive-buffer", 0, 64L << 20),
                r.bytesIn("socket.send-buffer", 0, 64L << 20), r.bool("socket.keep-alive"));
        if (socket.reusePort() && !transport.active().supportsReusePort()) {
            throw r.error("socket.reuse-port", "SO_REUSEPORT is supported by epoll and io_uring only, not by "
                    + transport.active().configName());
        }
        if (server.listeners() > 1 && !socket.reusePort()) {
            throw r.error("listeners", "more than one listener needs echoport.socket.reuse-port = true");
        }

        AdmissionRules admission = new AdmissionRules(
                r.intIn("admission.max-connections", 0, 10_000_000),
                r.intIn("admission.max-connections-per-ip", 0, 10_000_000),
                r.list("admission.allow", "CIDR blocks like 10.0.0.0/8 or ::1/128", Cidr::parse),
                r.list("admission.deny", "CIDR blocks like 10.0.0.0/8 or ::1/128", Cidr::parse),
                r.oneOf("admission.over-limit", AdmissionRules.OverLimit.class),
                r.durationIn("admission.defer-timeout", Duration.ofMillis(1), Duration.ofHours(1)),
                r.oneOf("admission.reject-action", AdmissionRules.RejectAction.class));
        Optional<String> policyClass = policyClass(r);

        int high = r.bytesIn("echo.write-buffer-high-watermark", 1024, 64L << 20);
        int low = r.bytesIn("echo.write-buffer-low-watermark", 0, 64L << 20);
        if (low >= high) {
            throw r.error("echo.write-buffer-low-watermark",
                    "must be below echoport.echo.write-buffer-high-watermark (" + high + ")");
        }
        Settings.Echo echo = new Settings.Echo(high, low,
                r.durationIn("echo.idle-timeout", Duration.ZERO, Duration.ofDays(1)), prefix(r),
                r.bytesIn("echo.max-line-length", 1, 1L << 30));

        Settings.Overload overload = overload(r);
        Duration grace = r.durationIn("shutdown.grace-period", Duration.ZERO, Duration.ofMinutes(10));

        int adminPort = r.intIn("admin.port", 0, 65535);
        if (adminPort != 0 && server.ports().contains(adminPort)) {
            throw r.error("admin.port", "must differ from echoport.port");
        }
        Settings.Admin admin = new Settings.Admin(adminPort != 0, r.nonEmptyString("admin.host"), adminPort,
                r.intIn("admin.max-connections", 1, 10_000),
                r.durationIn("admin.request-timeout", Duration.ofMillis(100), Duration.ofMinutes(10)),
                r.durationIn("admin.idle-timeout", Duration.ofMillis(100), Duration.ofHours(1)));

        return new Settings(server, socket, admission, policyClass, echo, overload, grace, admin,
                new Settings.Metrics(commonTags(r)), ProtocolSettingsReader.read(r, server, adminPort, openFiles),
                FaultSettingsReader.read(r));
    }

    /**
     * The reply prefix of line mode: what a pod name or label gives (up to 253 characters), as UTF-8. A line break in
     * it would make one reply look like two lines to the client, so it is refused.
     */
    private static String prefix(ConfigReader r) {
        String prefix = r.string("echo.prefix");
        if (prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PREFIX_BYTES
                || prefix.indexOf('\n') >= 0 || prefix.indexOf('\r') >= 0) {
            throw r.error("echo.prefix", "expected at most " + MAX_PREFIX_BYTES + " bytes (UTF-8) without line breaks");
        }
        return prefix;
    }

    /**
     * reference.conf alone, resolved: every default. Not {@code ConfigFactory.defaultReference()}, which folds in JVM
     * system properties and would make any {@code -Dechoport.x} look like a known key.
     */
    public static Config defaults() {
        return ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "reference.conf").resolve();
    }

    private static TransportSelection transport(ConfigReader r) {
        String value = r.nonEmptyString("transport");
        try {
            return TransportSelection.resolve(value);
        } catch (IllegalArgumentException e) {
            throw r.error("transport", "expected one of auto | "
                    + java.util.Arrays.stream(Transport.values()).map(Transport::configName)
                    .collect(Collectors.joining(" | ")));
        } catch (TransportUnavailableException e) {
            throw new SettingsException(r.full("transport"),
                    r.full("transport") + " = " + value + ": " + e.transport().unavailabilityReason());
        }
    }

    /** Share of the JVM's direct memory that {@code overload.echo-memory-budget = auto} takes. */
    static final double AUTO_BUDGET_SHARE = 0.4;

    private static Settings.Overload overload(ConfigReader r) {
        long budget = r.bytesOrAuto("overload.echo-memory-budget", 64 * 1024, 1L << 40)
                .orElseGet(SettingsLoader::autoEchoMemoryBudget);
        return new Settings.Overload(budget, r.doubleIn("overload.stop-accepting-at", 1.0, 10.0));
    }

    /**
     * 40% of the direct memory Netty may use ({@code -XX:MaxDirectMemorySize}, by default the maximum heap): with
     * the stop-accepting mark at 1.5 x, queued echo stays under 60% of it, and the rest is left for reads in flight,
     * TLS buffers and the allocator's own overhead.
     */
    static long autoEchoMemoryBudget() {
        return Math.max(64 * 1024, (long) (io.netty.util.internal.PlatformDependent.maxDirectMemory()
                * AUTO_BUDGET_SHARE));
    }

    private static Optional<String> policyClass(ConfigReader r) {
        String name = r.string("admission.policy-class").strip();
        if (name.isEmpty()) {
            return Optional.empty();
        }
        try {
            Class<?> type = Class.forName(name);
            if (!AdmissionPolicy.class.isAssignableFrom(type)) {
                throw r.error("admission.policy-class", "class does not implement " + AdmissionPolicy.class.getName());
            }
            type.getConstructor().newInstance(); // fail now, not at the first connection
        } catch (ClassNotFoundException e) {
            throw r.error("admission.policy-class", "class not found on the class path");
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof SettingsException se) {
                throw se;
            }
            throw r.error("admission.policy-class", "cannot be created with a public no-arg constructor ("
                    + e + ")");
        }
        return Optional.of(name);
    }

    private static Map<String, String> commonTags(ConfigReader r) {
        Config tags;
        try {
            tags = r.config().getConfig(COMMON_TAGS);
        } catch (ConfigException e) {
            throw r.error(COMMON_TAGS, "expected an object of tag = \"value\" pairs");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigValue> e : tags.root().entrySet()) {
            String key = e.getKey();
            String path = COMMON_TAGS + "." + key;
            if (!TAG_KEY.matcher(key).matches()) {
                throw new SettingsException(r.full(path), r.full(path)
                        + ": tag name must match [a-zA-Z_][a-zA-Z0-9_]*");
            }
            out.put(key, r.nonEmptyString(path));
        }
        return out;
    }

    /** A misspelt key would otherwise be ignored silently and its default used: refuse it, naming the known keys. */
    private static void rejectUnknownKeys(Config c) {
        checkKeys(c.root(), defaults().getConfig(ROOT).root(), PREFIX);
    }

    private static void checkKeys(ConfigObject given, ConfigObject reference, String path) {
        for (Map.Entry<String, ConfigValue> e : given.entrySet()) {
            String key = path + e.getKey();
            ConfigValue known = reference.get(e.getKey());
            String origin = e.getValue().origin().description();
            String from = origin == null ? "" : " (from " + origin + ")";
            if (known == null) {
                throw new SettingsException(key, key + ": unknown key (known keys at " + path.replaceAll("\\.$", "")
                        + ": " + String.join(", ", new TreeSet<>(reference.keySet())) + ")" + from);
            }
            if (known.valueType() == ConfigValueType.OBJECT) {
                if (e.getValue().valueType() != ConfigValueType.OBJECT) {
                    throw new SettingsException(key, key + " = " + e.getValue().render(ConfigRenderOptions.concise())
                            + ": expected an object" + from);
                }
                if (!key.equals(PREFIX + COMMON_TAGS)) { // free-form: any tag name, checked in commonTags()
                    checkKeys((ConfigObject) e.getValue(), (ConfigObject) known, key + ".");
                }
            }
        }
    }
}
