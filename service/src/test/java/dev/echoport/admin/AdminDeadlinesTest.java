package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics.CloseCause;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * admin.request-timeout is a deadline for the whole exchange, not per read: bytes dripped slowly do not move it; a
 * connection that never sends is closed at it without an answer; an answer the client does not take is dropped at
 * it. admin.idle-timeout closes a kept-alive connection with no new request. Handler logic on {@code EmbeddedChannel}
 * with a clock the test moves; over real sockets in {@link AdminSlowClientsOverSocketsTest}.
 */
class AdminDeadlinesTest {
    private static final Duration REQUEST = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(3);
    private static final Duration JUST_BEFORE = Duration.ofMillis(1);

    @Test
    void a_connection_that_never_sends_is_closed_at_the_request_timeout_without_an_answer() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, REQUEST, IDLE)) {
            EmbeddedChannel ch = admin.connect();
            admin.advance(REQUEST.minus(JUST_BEFORE));
            admin.table.sweep();
            assertThat(ch.isOpen()).as("open just before the deadline").isTrue();
            admin.advance(JUST_BEFORE);
            admin.table.sweep();
            assertThat(ch.isOpen()).as("closed at the deadline").isFalse();
            assertThat(EmbeddedAdmin.written(ch)).as("nothing to answer").isEmpty();
            assertThat(admin.metrics.closedCount(CloseCause.TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void dripping_bytes_does_not_move_the_deadline_and_the_request_is_answered_408() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, REQUEST, IDLE)) {
            EmbeddedChannel ch = admin.connect();
            String request = "GET /health/live HTTP/1.1\r\nX-Drip: ";
            for (int i = 0; i < 9; i++) { // one byte every 100 ms: a per-read timeout would never fire
                admin.advance(Duration.ofMillis(100));
                EmbeddedAdmin.send(ch, request.substring(i, i + 1));
                admin.table.sweep();
                assertThat(ch.isOpen()).as("open after %d bytes", i + 1).isTrue();
            }
            admin.advance(Duration.ofMillis(100));
            admin.table.sweep();
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(408);
            assertThat(ch.isOpen()).isFalse();
            assertThat(admin.metrics.closedCount(CloseCause.TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void a_later_request_on_a_kept_alive_connection_has_its_own_deadline_from_its_first_byte() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, REQUEST, IDLE)) {
            EmbeddedChannel ch = admin.connect();
            EmbeddedAdmin.send(ch, "GET /health/live HTTP/1.1\r\n\r\n");
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(200);
            admin.advance(Duration.ofSeconds(2)); // idle, within the idle timeout
            EmbeddedAdmin.send(ch, "GET /hea");
            admin.advance(REQUEST.minus(JUST_BEFORE));
            admin.table.sweep();
            assertThat(ch.isOpen()).as("the second request's deadline counts from its first byte").isTrue();
            admin.advance(JUST_BEFORE);
            admin.table.sweep();
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(408);
            assertThat(ch.isOpen()).isFalse();
        }
    }

    @Test
    void a_kept_alive_connection_is_closed_at_the_idle_timeout_and_not_before() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, REQUEST, IDLE)) {
            EmbeddedChannel ch = admin.connect();
            EmbeddedAdmin.send(ch, "GET /health/ready HTTP/1.1\r\n\r\n");
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(200);
            admin.advance(IDLE.minus(JUST_BEFORE));
            admin.table.sweep();
            assertThat(ch.isOpen()).as("open just before the idle timeout (past the request timeout)").isTrue();
            admin.advance(JUST_BEFORE);
            admin.table.sweep();
            assertThat(ch.isOpen()).isFalse();
            assertThat(EmbeddedAdmin.written(ch)).as("closed without a word").isEmpty();
            assertThat(admin.metrics.closedCount(CloseCause.IDLE)).isEqualTo(1);
        }
    }

    @Test
    void an_answer_not_written_by_the_deadline_is_dropped() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, REQUEST, IDLE)) {
            EmbeddedChannel ch = admin.connect();
            EmbeddedAdmin.send(ch, "GET /metrics HTTP/1.1\r\n\r\n"); // its answer waits for renderAndAnswer
            assertThat(AdminExchange.of(ch.pipeline().firstContext()).phase())
                    .isEqualTo(AdminExchange.Phase.ANSWERING);
            admin.advance(REQUEST);
            admin.table.sweep();
            assertThat(ch.isOpen()).isFalse();
            assertThat(admin.metrics.closedCount(CloseCause.TIMEOUT)).isEqualTo(1);
            admin.renderAndAnswer(ch); // a render arriving now is written to a closed channel and released
        }
    }
}
