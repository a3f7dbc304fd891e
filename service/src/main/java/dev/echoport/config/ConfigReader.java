package dev.echoport.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Typed, range-checked reads of one HOCON subtree; every failure is a {@link SettingsException} whose single line
 * names the full path, the value as written, the rule, and where the value came from.
 */
final class ConfigReader {
    private final Config config;
    private final String prefix;

    ConfigReader(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix;
    }

    int intIn(String path, int min, int max) {
        Number n = read(path, "an integer from " + min + " to " + max, () -> config.getNumber(path));
        if (n.doubleValue() != Math.rint(n.doubleValue())) {
            throw error(path, "expected an integer from " + min + " to " + max);
        }
        long v = n.longValue();
        if (v < min || v > max) {
            throw error(path, "expected an integer from " + min + " to " + max);
        }
        return (int) v;
    }

    boolean bool(String path) {
        return read(path, "true or false", () -> config.getBoolean(path));
    }

    String string(String path) {
        if (config.getValue(path).valueType() != ConfigValueType.STRING
                && config.getValue(path).valueType() != ConfigValueType.NUMBER) {
            throw error(path, "expected a string");
        }
        return config.getString(path);
    }

    String nonEmptyString(String path) {
        String s = string(path).strip();
        if (s.isEmpty()) {
            throw error(path, "expected a non-empty string");
        }
        return s;
    }

    /** A size in bytes ("64KiB", "1m", 65536) within [min, max]. */
    int bytesIn(String path, long min, long max) {
        String rule = "a size from " + min + " to " + max + " bytes (e.g. 64KiB)";
        long v = read(path, rule, () -> config.getBytes(path));
        if (v < min || v > max) {
            throw error(path, "expected " + rule);
        }
        return (int) v;
    }

    /** {@code "auto"}, or a size in bytes within [min, max]; empty for auto. */
    java.util.OptionalLong bytesOrAuto(String path, long min, long max) {
        if (config.getValue(path).valueType() == com.typesafe.config.ConfigValueType.STRING
                && "auto".equalsIgnoreCase(config.getString(path).strip())) {
            return java.util.OptionalLong.empty();
        }
        String rule = "auto or a size from " + min + " to " + max + " bytes (e.g. 256MiB)";
        long v = read(path, rule, () -> config.getBytes(path));
        if (v < min || v > max) {
            throw error(path, "expected " + rule);
        }
        return java.util.OptionalLong.of(v);
    }

    /** A size in bytes beyond int range ("4GiB") within [min, max]. */
    long longBytesIn(String path, long min, long max) {
        String rule = "a size from " + min + " to " + max + " bytes (e.g. 64KiB)";
        long v = read(path, rule, () -> config.getBytes(path));
        if (v < min || v > max) {
            throw error(path, "expected " + rule);
        }
        return v;
    }

    /** A number within [min, max], such as a share 0.25. */
    double doubleIn(String path, double min, double max) {
        String rule = "a number from " + min + " to " + max;
        double v = read(path, rule, () -> config.getDouble(path));
        if (!(v >= min && v <= max)) {
            throw error(path, "expected " + rule);
        }
        return v;
    }

    /** A duration ("5s", "250ms"; a bare number is milliseconds) within [min, max]. */
    Duration durationIn(String path, Duration min, Duration max) {
        String rule = "a duration from " + human(min) + " to " + human(max) + " (e.g. 5s, 250ms)";
        Duration d = read(path, rule, () -> config.getDuration(path));
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw error(path, "expected " + rule);
        }
        return d;
    }

    /** One of {@code values}, case-insensitively, mapped to its constant. */
    <E extends Enum<E>> E oneOf(String path, Class<E> type) {
        String allowed = String.join(" | ", Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList());
        String s = read(path, "one of " + allowed, () -> config.getString(path));
        try {
            return Enum.valueOf(type, s.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw error(path, "expected one of " + allowed);
        }
    }

    /**
     * A list of strings, each mapped by {@code parse} (whose exception message says what is wrong with the item). A
     * single string is taken as a comma-separated list, which is how a list arrives from an environment variable.
     */
    <T> List<T> list(String path, String itemRule, Function<String, T> parse) {
        ConfigValue v = config.getValue(path);
        List<String> items = new ArrayList<>();
        if (v.valueType() == ConfigValueType.STRING) {
            for (String s : ((String) v.unwrapped()).split(",")) {
                if (!s.isBlank()) {
                    items.add(s.strip());
                }
            }
        } else if (v.valueType() == ConfigValueType.LIST) {
            items.addAll(read(path, "a list of " + itemRule, () -> config.getStringList(path)));
        } else {
            throw error(path, "expected a list of " + itemRule);
        }
        List<T> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            try {
                out.add(parse.apply(items.get(i)));
            } catch (IllegalArgumentException e) {
                throw new SettingsException(full(path), full(path) + "[" + i + "] = \"" + items.get(i) + "\": "
                        + e.getMessage() + " (expected " + itemRule + ")" + origin(path));
            }
        }
        return out;
    }

    SettingsException error(String path, String problem) {
        return new SettingsException(full(path), full(path) + " = " + render(path) + ": " + problem + origin(path));
    }

    String full(String path) {
        return prefix + path;
    }

    Config config() {
        return config;
    }

    private <T> T read(String path, String rule, java.util.function.Supplier<T> getter) {
        try {
            return getter.get();
        } catch (ConfigException.Missing e) {
            throw new SettingsException(full(path), full(path) + ": missing (expected " + rule + ")");
        } catch (ConfigException e) {
            throw error(path, "expected " + rule);
        }
    }

    private String render(String path) {
        try {
            return config.getValue(path).render(ConfigRenderOptions.concise());
        } catch (ConfigException e) {
            return "null";
        }
    }

    private String origin(String path) {
        try {
            String d = config.getValue(path).origin().description();
            return d == null || d.isBlank() ? "" : " (from " + d + ")";
        } catch (ConfigException e) {
            return "";
        }
    }

    private static String human(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
