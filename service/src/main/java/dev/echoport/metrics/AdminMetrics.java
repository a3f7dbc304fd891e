package dev.echoport.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Meters of the admin HTTP port. Its connections are not echo connections, so they are counted apart from
 * {@code echoport_connections_*}: evictions and timeouts here say that something is holding or flooding the port
 * the probes and scrapes use.
 */
public final class AdminMetrics {
    /** {@code echoport_admin_connections_closed_total{cause}}: admin connections that ended, by {@link CloseCause}. */
    public static final String CONNECTIONS_CLOSED = "echoport.admin.connections.closed";

    /** Why an admin connection ended; each value is one {@code cause} label. */
    public enum CloseCause {
        /** The client closed it, or asked for the close ({@code Connection: close}, HTTP/1.0 without keep-alive). */
        CLIENT,
        /** Kept alive with no new request for admin.idle-timeout. */
        IDLE,
        /** A request not received, or its answer not taken by the client, within admin.request-timeout. */
        TIMEOUT,
        /** Closed to make room for a new connection at admin.max-connections (it had waited longest). */
        EVICTED,
        /** A malformed or oversized request, answered 4xx and closed. */
        BAD_REQUEST,
        /** An unexpected error on the connection. */
        ERROR,
        /** Still open when the admin server stopped. */
        SHUTDOWN;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Map<CloseCause, Counter> closed = new EnumMap<>(CloseCause.class);

    public AdminMetrics(MeterRegistry registry) {
        for (CloseCause c : CloseCause.values()) {
            closed.put(c, Counter.builder(CONNECTIONS_CLOSED).tag("cause", c.label())
                    .description("Admin HTTP connections that ended, by cause").register(registry));
        }
    }

    public void closed(CloseCause cause) {
        closed.get(cause).increment();
    }

    /** How many admin connections ended for {@code cause} so far (tests and logs). */
    public long closedCount(CloseCause cause) {
        return (long) closed.get(cause).count();
    }
}
