package dev.echoport.admin;

import dev.echoport.config.Settings;
import dev.echoport.metrics.AdminMetrics.CloseCause;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The open admin connections and their limits, on the admin event loop only. The count never passes
 * admin.max-connections, yet a new connection is never refused: it makes room by resetting the connection that has
 * waited longest on its client (idle since its last answer, or in a request that started longest ago; see
 * {@link AdminExchange#since()}). A connection whose answer we are still making (a scrape waiting for its render) goes
 * only if every other one is in that state: its wait is ours, it ends within tens of milliseconds, and a flood of new
 * connections must not cut it off. Whoever holds the other connections, slowly or not at all, a fresh probe gets in
 * and is the last in line. The deadlines (admin.request-timeout, admin.idle-timeout) are checked every
 * {@link #SWEEP_INTERVAL} by {@link #sweep()}.
 */
final class AdminConnections {
    /** How often the deadlines are checked: a connection is closed at most this long after its deadline. */
    static final Duration SWEEP_INTERVAL = Duration.ofMillis(100);

    private final int max;
    private final long requestTimeoutNanos;
    private final long idleTimeoutNanos;
    private final LongSupplier clock;
    private final List<AdminExchange> open = new ArrayList<>();
    private volatile int size;

    AdminConnections(Settings.Admin settings, LongSupplier nanoClock) {
        this.max = settings.maxConnections();
        this.requestTimeoutNanos = settings.requestTimeout().toNanos();
        this.idleTimeoutNanos = settings.idleTimeout().toNanos();
        this.clock = nanoClock;
    }

    long now() {
        return clock.getAsLong();
    }

    /** Open connections now; readable from any thread. */
    int size() {
        return size;
    }

    /** Adds a new connection, first resetting the longest-waiting ones while the table is full. */
    void admit(AdminExchange connection) {
        while (open.size() >= max) {
            longestWaiting().reset(CloseCause.EVICTED); // removes it from the table
        }
        open.add(connection);
        size = open.size();
    }

    void remove(AdminExchange connection) {
        if (open.remove(connection)) {
            size = open.size();
        }
    }

    /** Closes the connections past their deadline. */
    void sweep() {
        long now = now();
        for (AdminExchange c : open.toArray(new AdminExchange[0])) { // closing removes from the table
            long waited = now - c.since();
            if (c.phase() == AdminExchange.Phase.IDLE) {
                if (waited >= idleTimeoutNanos) {
                    c.idleTimedOut();
                }
            } else if (waited >= requestTimeoutNanos) {
                c.requestTimedOut();
            }
        }
    }

    /** Closes every connection: the admin server is stopping. */
    void closeAll() {
        for (AdminExchange c : open.toArray(new AdminExchange[0])) {
            c.close(CloseCause.SHUTDOWN);
        }
    }

    private AdminExchange longestWaiting() {
        AdminExchange victim = open.get(0);
        for (AdminExchange c : open) {
            if (goesBefore(c, victim)) {
                victim = c;
            }
        }
        return victim;
    }

    /** Eviction order: connections waiting on their client before those waiting on us; then the longest wait. */
    private static boolean goesBefore(AdminExchange a, AdminExchange b) {
        if (a.answerBeingMade() != b.answerBeingMade()) {
            return !a.answerBeingMade();
        }
        return a.since() - b.since() < 0;
    }
}
