package dev.echoport.tls;

import ch.qos.logback.classic.Level;
import dev.echoport.testsupport.CapturingAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Handshake failures are logged one line a second at most, and the next line says how many were left out. */
class HandshakeFailureLogTest {
    private final AtomicLong now = new AtomicLong(TimeUnit.HOURS.toNanos(1));
    private final HandshakeFailureLog log = new HandshakeFailureLog(now::get);

    @BeforeEach
    void clear() {
        CapturingAppender.clear();
    }

    @Test
    void a_burst_gives_one_line_and_the_next_line_counts_what_was_left_out() {
        log.failed("/192.0.2.1:1", "not_tls", "NotSslRecordException");
        for (int i = 0; i < 5; i++) {
            now.addAndGet(TimeUnit.MILLISECONDS.toNanos(100));
            log.failed("/192.0.2.1:2", "protocol", "no cipher");
        }
        assertThat(lines()).containsExactly("TLS handshake with /192.0.2.1:1 failed (not_tls): NotSslRecordException");
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        log.failed("/192.0.2.1:3", "timeout", "handshake timed out");
        assertThat(lines()).hasSize(2).last().isEqualTo("TLS handshake with /192.0.2.1:3 failed (timeout): "
                + "handshake timed out (5 more handshake failures since the last line)");
    }

    private static java.util.List<String> lines() {
        return CapturingAppender.messages(HandshakeFailureLog.class.getName(), Level.WARN);
    }
}
