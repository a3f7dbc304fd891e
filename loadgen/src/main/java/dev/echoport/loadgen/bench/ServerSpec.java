package dev.echoport.loadgen.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One server of a benchmark session: its kind and transport and, for echoport, a variant: a name and the settings
 * that make it ({@code ECHOPORT_*} environment variables and {@code echoport.*} settings passed as {@code -D}), so a
 * row can price one setting (a larger watermark, a TLS provider) beside the defaults.
 *
 * @param variant  empty for the defaults; else a short name shown after the transport ("echoport epoll hw256k")
 * @param env      extra environment variables
 * @param settings extra {@code echoport.*} settings, key to value (passed as {@code -Dkey=value})
 */
public record ServerSpec(ServerKind kind, String transport, String variant, Map<String, String> env,
        Map<String, String> settings) {

    public ServerSpec {
        env = Map.copyOf(env);
        settings = Map.copyOf(settings);
    }

    static ServerSpec of(ServerKind kind, String transport) {
        return new ServerSpec(kind, transport, "", Map.of(), Map.of());
    }

    /**
     * Parses {@code --variant NAME@TRANSPORT:KEY=VALUE[,KEY=VALUE...]}: keys starting with {@code ECHOPORT_} are
     * environment variables, keys starting with {@code echoport.} settings.
     */
    static ServerSpec parseVariant(String text) {
        int at = text.indexOf('@');
        int colon = text.indexOf(':', Math.max(at, 0));
        if (at <= 0 || colon < at + 2) {
            throw new IllegalArgumentException("--variant " + text + ": expected NAME@TRANSPORT:KEY=VALUE[,...]");
        }
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kv : text.substring(colon + 1).split(",")) {
            int eq = kv.indexOf('=');
            String key = eq < 0 ? kv : kv.substring(0, eq).trim();
            if (eq < 0 || !(key.startsWith("ECHOPORT_") || key.startsWith("echoport."))) {
                throw new IllegalArgumentException("--variant " + text + ": " + kv + ": expected ECHOPORT_X=value"
                        + " or echoport.key=value");
            }
            (key.startsWith("ECHOPORT_") ? env : settings).put(key, kv.substring(eq + 1).trim());
        }
        return new ServerSpec(ServerKind.ECHOPORT, text.substring(at + 1, colon), text.substring(0, at), env,
                settings);
    }

    /** "echoport epoll", "canonical io_uring", "C epoll", "echoport epoll hw256k". */
    public String label() {
        return kind.label() + " " + transport + (variant.isEmpty() ? "" : " " + variant);
    }

    /** The variant's settings as JVM arguments. */
    List<String> jvmArguments() {
        List<String> args = new ArrayList<>();
        settings.forEach((k, v) -> args.add("-D" + k + "=" + v));
        return args;
    }

    /** What makes the variant, for the report: "echoport.echo.write-buffer-high-watermark=256KiB". */
    String describeSettings() {
        List<String> parts = new ArrayList<>();
        env.forEach((k, v) -> parts.add(k + "=" + v));
        settings.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(", ", parts);
    }
}
