package dev.echoport.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads {@code echoport.port}: the echo ports, each a listener of its own. */
final class PortsReader {
    /** Echo ports at most: each is a listener, and a metric label value. */
    static final int MAX_PORTS = 64;

    private PortsReader() {
    }

    /** {@code port}: one port, a list of them, or (from the environment) a comma-separated string of them. */
    static List<Integer> ports(ConfigReader r) {
        ConfigValue value = r.config().getValue("port");
        if (value.valueType() == ConfigValueType.NUMBER) {
            return List.of(r.intIn("port", 0, 65535));
        }
        if (value.valueType() == ConfigValueType.STRING && !((String) value.unwrapped()).contains(",")) {
            // One port from the environment (ECHOPORT_PORT=abc): name the key, not item [0] of a list.
            try {
                return List.of(port((String) value.unwrapped()));
            } catch (IllegalArgumentException e) {
                throw r.error("port", "expected a port from 0 to 65535, or a list of ports ([9000, 9001], "
                        + "\"9000,9001\")");
            }
        }
        List<Integer> ports = r.list("port", "one port or a list of ports (9000, [9000, 9001], \"9000,9001\")",
                PortsReader::port);
        if (ports.isEmpty() || ports.size() > MAX_PORTS) {
            throw r.error("port", "expected 1 to " + MAX_PORTS + " ports");
        }
        Set<Integer> seen = new HashSet<>();
        for (int p : ports) {
            if (p != 0 && !seen.add(p)) {
                throw r.error("port", "port " + p + " is listed twice");
            }
        }
        return ports;
    }

    private static int port(String s) {
        try {
            int p = Integer.parseInt(s.strip());
            if (p >= 0 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException("expected a port from 0 to 65535");
    }
}
