package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics.CloseCause;
import dev.echoport.testsupport.Await;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin port's limits over real loopback sockets: a dripped request is answered 408 at admin.request-timeout, a
 * silent connection is closed at it, a kept-alive one at admin.idle-timeout, and a probe arriving at a full table is
 * served while the longest-waiting connection makes room. The admin server runs on NIO only, whatever the echo
 * transport, so these run once, not per transport. Deadlines are asserted from below exactly (never early) and from
 * above with a wide margin for a loaded 2-core machine.
 */
class AdminSlowClientsOverSocketsTest {
    private static final Duration REQUEST = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofMillis(1500);
    /** Upper margin: without the deadline these connections would stay open (10 s socket timeout) or for 30 s. */
    private static final long LATE_MILLIS = 5_000;

    @Test
    void a_request_dripped_a_byte_every_100ms_is_answered_408_at_the_request_timeout() throws Exception {
        try (AdminOnLoopback admin = new AdminOnLoopback(64, REQUEST, Duration.ofSeconds(30))) {
            ScheduledExecutorService dripper = Executors.newSingleThreadScheduledExecutor();
            long start = System.nanoTime();
            try (Socket s = admin.connect()) {
                byte[] request = "GET /health/live HTTP/1.1\r\nX-Drip: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                        .getBytes(StandardCharsets.US_ASCII);
                AtomicInteger sent = new AtomicInteger();
                dripper.scheduleAtFixedRate(() -> {
                    try {
                        s.getOutputStream().write(request[sent.getAndIncrement() % request.length]);
                    } catch (IOException closed) {
                        throw new IllegalStateException("stop dripping", closed);
                    }
                }, 0, 100, TimeUnit.MILLISECONDS);
                String answer = AdminOnLoopback.readToEnd(s);
                long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("FIGURE admin drip: 408 and close after %d ms (request-timeout %d ms), %d bytes"
                        + " dripped%n", millis, REQUEST.toMillis(), sent.get());
                assertThat(answer).startsWith("HTTP/1.1 408 ");
                assertThat(millis).as("closed after (ms)").isGreaterThanOrEqualTo(REQUEST.toMillis())
                        .isLessThan(REQUEST.toMillis() + LATE_MILLIS);
                assertThat(sent.get()).as("bytes dripped before the deadline").isGreaterThanOrEqualTo(5);
            } finally {
                dripper.shutdownNow();
            }
            Await.until("the timeout counted", () -> admin.server.metrics().closedCount(CloseCause.TIMEOUT) == 1);
        }
    }

    @Test
    void a_connection_that_sends_nothing_is_closed_at_the_request_timeout() throws Exception {
        try (AdminOnLoopback admin = new AdminOnLoopback(64, REQUEST, Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            try (Socket s = admin.connect()) {
                String answer = AdminOnLoopback.readToEnd(s);
                long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("FIGURE admin silent: closed after %d ms (request-timeout %d ms)%n", millis,
                        REQUEST.toMillis());
                assertThat(answer).as("closed without an answer").isEmpty();
                assertThat(millis).isGreaterThanOrEqualTo(REQUEST.toMillis())
                        .isLessThan(REQUEST.toMillis() + LATE_MILLIS);
            }
        }
    }

    @Test
    void a_kept_alive_connection_is_closed_at_the_idle_timeout() throws Exception {
        try (AdminOnLoopback admin = new AdminOnLoopback(64, REQUEST, IDLE)) {
            try (Socket s = admin.connect()) {
                s.getOutputStream().write("GET /health/ready HTTP/1.1\r\nHost: x\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] head = s.getInputStream().readNBytes("HTTP/1.1 200 OK".length());
                assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
                long answered = System.nanoTime(); // the server finished writing it before this
                String rest = AdminOnLoopback.readToEnd(s);
                long millis = (System.nanoTime() - answered) / 1_000_000;
                System.out.printf("FIGURE admin idle: closed %d ms after the answer (idle-timeout %d ms)%n", millis,
                        IDLE.toMillis());
                assertThat(rest).endsWith("ready\n");
                assertThat(millis).as("idle for (ms): past the request timeout, closed at the idle timeout")
                        .isGreaterThanOrEqualTo(IDLE.toMillis() - 50).isLessThan(IDLE.toMillis() + LATE_MILLIS);
            }
            Await.until("the idle close counted", () -> admin.server.metrics().closedCount(CloseCause.IDLE) == 1);
        }
    }

    @Test
    void probes_arriving_at_a_table_full_of_silent_connections_are_served_and_the_oldest_make_room()
            throws Exception {
        int max = 8;
        try (AdminOnLoopback admin = new AdminOnLoopback(max, Duration.ofSeconds(60), Duration.ofSeconds(60))) {
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < max; i++) {
                    silent.add(admin.connect());
                    int open = i + 1;
                    Await.until(open + " admin connections open", () -> admin.server.openConnections() == open);
                }
                for (int i = 0; i < 20; i++) {
                    assertThat(admin.probe(i % 2 == 0 ? "/health/live" : "/health/ready")).as("probe %d", i)
                            .isEqualTo("HTTP/1.1 200 OK");
                    assertThat(admin.server.openConnections()).isLessThanOrEqualTo(max);
                }
                assertThat(AdminOnLoopback.readToEnd(silent.get(0))).as("the oldest silent connection")
                        .isIn("", "(reset)");
                // The first probe made room; it closed after its answer, so the others found that room free.
                assertThat(admin.server.metrics().closedCount(CloseCause.EVICTED)).isEqualTo(1);
                assertThat(admin.server.openConnections()).as("the other silent connections").isEqualTo(max - 1);
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }
}
