package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics.CloseCause;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * At admin.max-connections a new connection is admitted and the one that has waited longest is closed: idle since
 * its last answer, or in a request (the first counting from the opening) that started longest ago, whatever its
 * state. Handler logic on {@code EmbeddedChannel} with a clock the test moves; over real sockets in
 * {@link AdminSlowClientsOverSocketsTest}.
 */
class AdminEvictionTest {

    @Test
    void a_newcomer_at_a_full_table_closes_the_connection_that_has_waited_longest_whatever_its_state() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(3, Duration.ofSeconds(100), Duration.ofSeconds(300))) {
            EmbeddedChannel silent = admin.connect();                    // waiting since 0
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel keptAlive = admin.connect();
            EmbeddedAdmin.send(keptAlive, "GET /health/live HTTP/1.1\r\n\r\n"); // idle since 1
            assertThat(EmbeddedAdmin.answers(keptAlive)).containsExactly(200);
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel dripping = admin.connect();                  // in its first request since 2
            admin.advance(Duration.ofSeconds(1));
            EmbeddedAdmin.send(dripping, "GET /heal");

            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel d = admin.connect();                         // t = 4
            assertThat(silent.isOpen()).as("the silent one, waiting since 0").isFalse();
            assertThat(keptAlive.isOpen() && dripping.isOpen() && d.isOpen()).isTrue();

            admin.advance(Duration.ofSeconds(1));
            EmbeddedAdmin.send(keptAlive, "GET /health/ready HTTP/1.1\r\n\r\n"); // answered: idle since 5
            assertThat(EmbeddedAdmin.answers(keptAlive)).containsExactly(200);
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel e = admin.connect();                         // t = 6
            assertThat(dripping.isOpen()).as("the dripping one, in a request since 2").isFalse();
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel f = admin.connect();                         // t = 7
            assertThat(d.isOpen()).as("the one waiting since 4").isFalse();
            assertThat(keptAlive.isOpen() && e.isOpen() && f.isOpen()).as("the three most recent").isTrue();
            assertThat(admin.table.size()).isEqualTo(3);
            assertThat(admin.metrics.closedCount(CloseCause.EVICTED)).isEqualTo(3);
        }
    }

    @Test
    void a_connection_whose_answer_is_being_rendered_goes_after_every_connection_waiting_on_its_client() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(2, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            EmbeddedChannel scrape = admin.connect();
            EmbeddedAdmin.send(scrape, "GET /metrics HTTP/1.1\r\n\r\n"); // waiting for its render since 0
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel silent = admin.connect();
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel next = admin.connect();
            assertThat(silent.isOpen()).as("waiting on its client: goes first, though newer").isFalse();
            assertThat(scrape.isOpen()).as("its answer is ours to make").isTrue();
            admin.advance(Duration.ofSeconds(1));
            EmbeddedChannel another = admin.connect();
            assertThat(next.isOpen()).as("again the one waiting on its client").isFalse();
            admin.advance(Duration.ofMillis(500));
            admin.renderAndAnswer(scrape);
            assertThat(EmbeddedAdmin.answers(scrape)).as("the scrape, answered").containsExactly(200);
            admin.advance(Duration.ofSeconds(1));
            admin.connect();
            // Answered, the scrape is an ordinary kept-alive connection, idle since 3.5: the one waiting since 3 goes.
            assertThat(another.isOpen()).isFalse();
            assertThat(scrape.isOpen()).isTrue();
        }
    }

    @Test
    void a_probe_arriving_at_a_full_table_is_served() {
        try (EmbeddedAdmin admin = new EmbeddedAdmin(2, Duration.ofSeconds(10), Duration.ofSeconds(30))) {
            admin.connect();
            admin.advance(Duration.ofMillis(10));
            admin.connect();
            admin.advance(Duration.ofMillis(10));
            EmbeddedChannel probe = admin.connect();
            EmbeddedAdmin.send(probe, "GET /health/live HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertThat(EmbeddedAdmin.answers(probe)).containsExactly(200);
            assertThat(admin.table.size()).as("open, the probe closed after its answer").isEqualTo(1);
        }
    }
}
