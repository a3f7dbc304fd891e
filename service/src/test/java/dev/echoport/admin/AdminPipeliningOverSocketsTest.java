package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics.CloseCause;
import dev.echoport.testsupport.Await;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pipelining over real loopback sockets: a client that reads gets every answer, in order; a client that pipelines
 * scrapes and never reads stops being read once the kernel holds what it did not take, the answers queued in the
 * server never exceed one, and it is dropped at admin.request-timeout. The admin server runs on NIO only: these run
 * once, not per transport.
 */
class AdminPipeliningOverSocketsTest {

    @Test
    void a_pipelining_client_that_reads_gets_every_answer_in_order() throws Exception {
        try (AdminOnLoopback admin = new AdminOnLoopback(64, Duration.ofSeconds(10), Duration.ofSeconds(30));
             Socket s = admin.connect()) {
            List<String> paths = List.of("/health/live", "/health/ready", "/nope");
            StringBuilder requests = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                requests.append("GET ").append(paths.get(i % 3)).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            s.getOutputStream().write(requests.toString().getBytes(StandardCharsets.US_ASCII)); // one write
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = 0; i < 300; i++) {
                assertThat(readAnswerStatus(in)).as("answer %d", i).isEqualTo(i % 3 == 2 ? 404 : 200);
            }
        }
    }

    @Test
    void a_client_pipelining_scrapes_without_reading_holds_one_answer_at_most_and_is_dropped_at_the_deadline()
            throws Exception {
        Duration requestTimeout = Duration.ofSeconds(2);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (AdminOnLoopback admin = new AdminOnLoopback(64, requestTimeout, Duration.ofSeconds(30));
             Socket s = admin.connect()) {
            int answer = admin.answer("/metrics").length(); // also warms the renderer up
            byte[] scrapes = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(20_000)
                    .getBytes(StandardCharsets.US_ASCII);
            Future<?> writing = writer.submit(() -> {
                s.getOutputStream().write(scrapes); // blocks once the server stops reading; fails at the reset
                return null;
            });
            Await.until("an answer the client does not take, queued in the server",
                    () -> admin.server.queuedAnswerBytes() > 0);
            AtomicLong maxQueued = new AtomicLong();
            Await.until("the connection dropped at the deadline", () -> {
                maxQueued.accumulateAndGet(admin.server.queuedAnswerBytes(), Math::max); // sampled every poll
                return admin.server.metrics().closedCount(CloseCause.TIMEOUT) == 1;
            });
            System.out.printf("FIGURE admin pipelining without reading: at most %,d answer bytes queued (one answer"
                    + " %,d B); dropped at the %d s deadline%n", maxQueued.get(), answer, requestTimeout.toSeconds());
            assertThat(maxQueued.get()).as("answer bytes queued in the server: one answer at most")
                    .isLessThanOrEqualTo(answer + 1024L);
            Await.until("no queued answers left", () -> admin.server.queuedAnswerBytes() == 0);
            Await.until("no admin connection left", () -> admin.server.openConnections() == 0);
            Await.until("the writer stopped by the reset", writing::isDone);
        } finally {
            writer.shutdownNow();
            assertThat(writer.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Reads one answer (status line, headers, Content-Length body) and returns its status. */
    private static int readAnswerStatus(InputStream in) throws IOException {
        String status = line(in);
        int length = 0;
        for (String h; !(h = line(in)).isEmpty(); ) {
            if (h.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        in.readNBytes(length);
        return Integer.parseInt(status.substring(9, 12));
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("EOF after " + b);
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
