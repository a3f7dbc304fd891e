package dev.echoport.admin;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An admin connection has one request in flight: pipelined requests are answered one at a time, in order, and the
 * next is taken only once the previous answer is written. Handler logic on {@code EmbeddedChannel}; the same over a
 * socket, with a client that does not read, is in {@link AdminPipeliningOverSocketsTest}.
 */
class OneRequestInFlightTest {

    @Test
    void pipelined_requests_are_answered_in_order() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            EmbeddedChannel ch = admin.connect();
            // (EmbeddedChannel runs the queued read tasks within writeInbound: all three come back here.)
            EmbeddedAdmin.send(ch, "GET /health/live HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n"
                    + "GET /health/ready HTTP/1.1\r\n\r\n");
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(200, 404, 200);
            assertThat(ch.isOpen()).isTrue();
        }
    }

    @Test
    void a_request_behind_a_scrape_is_not_taken_until_the_scrape_is_answered() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            EmbeddedChannel ch = admin.connect();
            EmbeddedAdmin.send(ch, "GET /metrics HTTP/1.1\r\n\r\nGET /health/live HTTP/1.1\r\n\r\n");
            assertThat(EmbeddedAdmin.written(ch)).as("the health request must not overtake the scrape").isEmpty();
            assertThat(AdminExchange.of(ch.pipeline().firstContext()).phase())
                    .isEqualTo(AdminExchange.Phase.ANSWERING);
            admin.renderAndAnswer(ch);
            String both = EmbeddedAdmin.written(ch);
            assertThat(both).startsWith("HTTP/1.1 200 ");
            int scrapeBody = both.indexOf("echoport_admin_connections_closed_total");
            int live = both.indexOf("\r\n\r\nlive\n");
            assertThat(scrapeBody).as("the scrape's body").isPositive();
            assertThat(live).as("the health answer, after the scrape's").isGreaterThan(scrapeBody);
        }
    }

    @Test
    void a_request_split_over_many_reads_is_read_to_its_end() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            EmbeddedChannel ch = admin.connect();
            for (String part : List.of("G", "ET /heal", "th/live HTTP/1.1\r\n", "Host: x\r\n", "\r", "\n")) {
                assertThat(EmbeddedAdmin.answers(ch)).isEmpty();
                EmbeddedAdmin.send(ch, part);
            }
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(200);
        }
    }

    @Test
    void an_oversized_body_is_answered_413_and_closed() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(64, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            EmbeddedChannel ch = admin.connect();
            EmbeddedAdmin.send(ch, "POST /metrics HTTP/1.1\r\nContent-Length: 9000\r\n\r\n" + "x".repeat(100));
            assertThat(EmbeddedAdmin.answers(ch)).containsExactly(413);
            assertThat(ch.isOpen()).as("closed, not left waiting for a body nobody reads").isFalse();
            assertThat(admin.metrics.closedCount(dev.echoport.metrics.AdminMetrics.CloseCause.BAD_REQUEST))
                    .isEqualTo(1);
        }
    }
}
