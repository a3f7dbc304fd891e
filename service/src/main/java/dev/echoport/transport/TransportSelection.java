package dev.echoport.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * The outcome of resolving {@code echoport.transport}: what was asked for, what will run, and (for {@code auto})
 * why each better transport was passed over.
 *
 * @param requested the configured value: "auto" or a transport name
 * @param active    the transport that will run
 * @param passedOver one entry per better transport that {@code auto} could not use, "io_uring: not available (...)"
 */
public record TransportSelection(String requested, Transport active, List<String> passedOver) {

    public static final String AUTO = "auto";

    public TransportSelection {
        passedOver = List.copyOf(passedOver);
    }

    /**
     * Resolves a configured value. {@code auto} takes the first available of {@link Transport#AUTO_ORDER}; an explicit
     * transport is taken as it is or refused with its cause, never replaced by another.
     *
     * @throws TransportUnavailableException when an explicit transport cannot run here
     * @throws IllegalArgumentException      when the value names no transport
     */
    public static TransportSelection resolve(String requested) {
        if (AUTO.equalsIgnoreCase(requested)) {
            List<String> passed = new ArrayList<>();
            for (Transport t : Transport.AUTO_ORDER) {
                if (t.isAvailable()) {
                    return new TransportSelection(AUTO, t, passed);
                }
                passed.add(t.configName() + ": " + t.unavailabilityReason());
            }
            throw new IllegalStateException("no transport available: " + passed); // NIO is always available
        }
        Transport t = Transport.byConfigName(requested)
                .orElseThrow(() -> new IllegalArgumentException("unknown transport " + requested));
        t.requireAvailable();
        return new TransportSelection(t.configName(), t, List.of());
    }

    /** One log line: "transport epoll (requested auto; passed over io_uring: not available ...)". */
    public String describe() {
        if (!AUTO.equals(requested)) {
            return "transport " + active.configName();
        }
        return passedOver.isEmpty()
                ? "transport " + active.configName() + " (auto: best available)"
                : "transport " + active.configName() + " (auto; passed over " + String.join("; ", passedOver) + ")";
    }
}
