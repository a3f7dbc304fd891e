package dev.echoport.echo;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One line per connection closed for a too-long line, naming the peer, at most one a second per server (a client
 * sending binary data to a prefix-mode port must not flood the log); the next line says how many were left out.
 */
public final class LineTooLongLog {
    private static final Logger log = LoggerFactory.getLogger(LineTooLongLog.class);
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong lastLine = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
    private final AtomicLong suppressed = new AtomicLong();

    void closed(Object peer, int maxLineLength) {
        long now = System.nanoTime();
        long last = lastLine.get();
        if (now - last >= INTERVAL_NANOS && lastLine.compareAndSet(last, now)) {
            long more = suppressed.getAndSet(0);
            log.warn("connection from {} closed: a line longer than echo.max-line-length ({} B){}", peer,
                    maxLineLength, more > 0 ? " (" + more + " more such connections since the last line)" : "");
        } else {
            suppressed.incrementAndGet();
        }
    }
}
