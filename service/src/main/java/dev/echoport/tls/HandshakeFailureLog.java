package dev.echoport.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * One line per failed TLS handshake, at most one a second per server (a scan of the TLS port must not flood the
 * log); the next line says how many were left out.
 */
public final class HandshakeFailureLog {
    private static final Logger log = LoggerFactory.getLogger(HandshakeFailureLog.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LongSupplier nanoClock;
    private final AtomicLong lastLine;
    private final AtomicLong suppressed = new AtomicLong();

    public HandshakeFailureLog() {
        this(System::nanoTime);
    }

    /** @param nanoClock the clock the once-a-second rule reads (a test's own) */
    HandshakeFailureLog(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.lastLine = new AtomicLong(nanoClock.getAsLong() - INTERVAL_NANOS);
    }

    void failed(Object peer, String reason, String detail) {
        long now = nanoClock.getAsLong();
        long last = lastLine.get();
        if (now - last >= INTERVAL_NANOS && lastLine.compareAndSet(last, now)) {
            long more = suppressed.getAndSet(0);
            log.warn("TLS handshake with {} failed ({}): {}{}", peer, reason, detail,
                    more > 0 ? " (" + more + " more handshake failures since the last line)" : "");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
