package dev.echoport.config;

import dev.echoport.faults.Fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Faults injected on purpose (see {@code reference.conf}, section {@code faults}): all off by default. Zero turns a
 * fault off. Read at start-up and on SIGHUP; each new connection takes the settings in force when it is admitted.
 *
 * @param latency          every echo write is held back this long
 * @param latencyJitter    plus or minus up to this much (uniformly), never reordering; at most {@code latency}
 * @param bandwidth        bytes per second per connection; 0 = unlimited
 * @param slice            echo in chunks of at most this many bytes; 0 = off
 * @param sliceDelay       pause between two chunks
 * @param closeAfterBytes  FIN after exactly this many echoed bytes; 0 = off
 * @param resetAfterBytes  RST after exactly this many echoed bytes; 0 = off
 * @param resetAfter       RST this long after the connection was admitted; zero = off
 * @param probability      share of new connections that get the faults above, from 0 to 1
 * @param udpDrop          share of UDP datagrams not echoed, from 0 to 1
 */
public record FaultSettings(Duration latency, Duration latencyJitter, long bandwidth, int slice, Duration sliceDelay,
                            long closeAfterBytes, long resetAfterBytes, Duration resetAfter, double probability,
                            double udpDrop) {

    /** No fault at all: what reference.conf sets. */
    public static FaultSettings off() {
        return new FaultSettings(Duration.ZERO, Duration.ZERO, 0, 0, Duration.ZERO, 0, 0, Duration.ZERO, 1.0, 0.0);
    }

    /** The faults configured (udp_drop included), in the order of {@link Fault}. */
    public Set<Fault> active() {
        Set<Fault> on = EnumSet.noneOf(Fault.class);
        if (!latency.isZero()) {
            on.add(Fault.LATENCY);
        }
        if (bandwidth > 0) {
            on.add(Fault.BANDWIDTH);
        }
        if (slice > 0) {
            on.add(Fault.SLICE);
        }
        if (closeAfterBytes > 0) {
            on.add(Fault.CLOSE_AFTER_BYTES);
        }
        if (resetAfterBytes > 0) {
            on.add(Fault.RESET_AFTER_BYTES);
        }
        if (!resetAfter.isZero()) {
            on.add(Fault.RESET_AFTER);
        }
        if (udpDrop > 0) {
            on.add(Fault.UDP_DROP);
        }
        return on;
    }

    /** Whether any fault applies to TCP connections (everything but udp-drop), for some share of them. */
    public boolean anyConnectionFault() {
        Set<Fault> on = active();
        on.remove(Fault.UDP_DROP);
        return !on.isEmpty() && probability > 0;
    }

    /** One line for the log: "latency 200ms ± 50ms, reset-after-bytes 1000 B (for 50% of new connections)". */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Fault f : active()) {
            parts.add(switch (f) {
                case LATENCY -> "latency " + latency.toMillis() + "ms"
                        + (latencyJitter.isZero() ? "" : " ± " + latencyJitter.toMillis() + "ms");
                case BANDWIDTH -> "bandwidth " + bandwidth + " B/s";
                case SLICE -> "slice " + slice + " B every " + sliceDelay.toMillis() + "ms";
                case CLOSE_AFTER_BYTES -> "close-after-bytes " + closeAfterBytes + " B";
                case RESET_AFTER_BYTES -> "reset-after-bytes " + resetAfterBytes + " B";
                case RESET_AFTER -> "reset-after " + resetAfter.toMillis() + "ms";
                case UDP_DROP -> "udp-drop " + percent(udpDrop) + " of datagrams";
            });
        }
        String connections = anyConnectionFault() && probability < 1
                ? " (for " + percent(probability) + " of new connections)" : "";
        return String.join(", ", parts) + connections;
    }

    private static String percent(double share) {
        return String.format(java.util.Locale.ROOT, "%.4g%%", share * 100).replaceAll("\\.?0+%$", "%");
    }
}
