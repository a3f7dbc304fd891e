package dev.echoport.reliability;

import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.admin.AdminServer;
import dev.echoport.metrics.AdminMetrics;
import dev.echoport.metrics.AdminMetrics.CloseCause;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 17, the admin-port lockout finding: 70 connections that each drip one byte a second into a request that
 * never ends (twice the rate) and one client that pipelines 50,000 {@code GET /metrics} without ever reading,
 * both reconnecting whenever the server closes them, held for 12 s (heavy: 30 s). Meanwhile a probe client does what
 * a kubelet does, 4 times a second: a new connection, {@code GET /health/live} or {@code /health/ready}, the answer,
 * close. Every probe must answer 200 within 1 s; a scraper's {@code /metrics} still answers; the echo port keeps
 * echoing; the admin server's queued answers stay within one {@code /metrics} answer or two (not one per pipelined
 * request) and the heap does not grow; when the attackers leave, connections, queued bytes and descriptors return to
 * where they were.
 *
 * <p>Runs once, not per transport: the admin server always runs on NIO, whatever transport the echo port uses (the
 * echo port here uses {@code auto}).
 */
class AdminProbesSurviveLockoutTest {
    private static final int DRIPPERS = 70;
    private static final Duration DRIP_INTERVAL = Duration.ofSeconds(1);
    private static final int PIPELINED = 50_000;
    private static final Duration HOLD = Duration.ofSeconds(Reliability.ciOrHeavy(12, 30));
    private static final Duration PROBE_EVERY = Duration.ofMillis(250);
    private static final long PROBE_BUDGET_MILLIS = 1_000;
    private static final long SCRAPE_BUDGET_MILLIS = 5_000;

    @TempDir
    Path dir;

    @Test
    void probes_answer_within_1s_while_slow_drips_and_a_non_reading_pipeliner_hold_the_admin_port() throws Exception {
        Path conf = dir.resolve("echoport.conf");
        Files.writeString(conf, "echoport { host = \"127.0.0.1\", port = 0 }\n");
        try (RunningEchoport ep = RunningEchoport.start(conf);
             Socket echo = Clients.connect(ep.address())) {
            AdminServer admin = ep.echoport().admin().orElseThrow();
            InetSocketAddress adminAddress = new InetSocketAddress("127.0.0.1", ep.adminPort());
            // Warm up (the first render loads classes for half a second) and learn the size of one answer.
            int metricsAnswer = AdminProbe.get(ep.adminPort(), "/metrics").body().length();
            assertThat(probe(adminAddress, "/health/live").status).isEqualTo(200);
            echoes(echo, 0);
            int fdsBefore = Reliability.openFds("self");
            long heapBefore = heapAfterGc();

            Results results = new Results();
            long evictedBefore = admin.metrics().closedCount(CloseCause.EVICTED);
            try (SlowDripAttack drips = SlowDripAttack.start(adminAddress, DRIPPERS, DRIP_INTERVAL);
                 PipelineFlood flood = PipelineFlood.start(adminAddress, PIPELINED)) {
                Await.until("the attack to fill the admin connection table (an eviction) and the pipeliner to have"
                                + " answers queued that it does not read",
                        () -> admin.metrics().closedCount(CloseCause.EVICTED) > evictedBefore
                                && admin.queuedAnswerBytes() > 0);
                ScheduledExecutorService clients = Executors.newScheduledThreadPool(2);
                try {
                    long end = System.nanoTime() + HOLD.toNanos();
                    AtomicLong round = new AtomicLong();
                    clients.scheduleAtFixedRate(() -> {
                        long n = round.getAndIncrement();
                        results.probes.add(probe(adminAddress, n % 2 == 0 ? "/health/live" : "/health/ready"));
                        results.echoNanos.add(echoTimed(echo, n));
                        results.queued.add(admin.queuedAnswerBytes());
                        results.open.add((long) admin.openConnections());
                    }, 0, PROBE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    clients.scheduleAtFixedRate(() -> results.scrapes.add(probe(adminAddress, "/metrics")),
                            0, 1, TimeUnit.SECONDS);
                    Await.until("the hold of " + HOLD.toSeconds() + " s", () -> System.nanoTime() - end >= 0,
                            HOLD.plusSeconds(10));
                } finally {
                    clients.shutdown();
                    assertThat(clients.awaitTermination(30, TimeUnit.SECONDS)).as("probe clients stopped").isTrue();
                }
                results.heapDuring = heapAfterGc();
                results.dripBytes = drips.bytesSent();
                results.dripReconnects = drips.closedByServer();
                results.floodConnections = flood.connections();
                results.floodRequests = flood.requestsWritten();
            }
            report(results, admin.metrics(), heapBefore, metricsAnswer);

            assertThat(results.probes).as("probes in %d s every %d ms", HOLD.toSeconds(), PROBE_EVERY.toMillis())
                    .hasSizeGreaterThan((int) (HOLD.toMillis() / PROBE_EVERY.toMillis() / 2));
            assertThat(results.probes).as("every probe answered 200 within %d ms", PROBE_BUDGET_MILLIS)
                    .allSatisfy(p -> {
                        assertThat(p.status).as("%s status (%s)", p.path, p.error).isEqualTo(200);
                        assertThat(p.nanos / 1_000_000).as("%s took (ms)", p.path).isLessThanOrEqualTo(
                                PROBE_BUDGET_MILLIS);
                    });
            assertThat(results.scrapes).as("scrapes during the attack").isNotEmpty().allSatisfy(p -> {
                assertThat(p.status).as("/metrics status (%s)", p.error).isEqualTo(200);
                assertThat(p.nanos / 1_000_000).as("/metrics took (ms)").isLessThanOrEqualTo(SCRAPE_BUDGET_MILLIS);
            });
            assertThat(results.echoNanos).as("echo round trips during the attack").doesNotContain(-1L);
            assertThat(admin.metrics().closedCount(CloseCause.EVICTED) - evictedBefore)
                    .as("evictions: the attack kept the table full").isPositive();
            assertThat(Collections.max(results.queued)).as("answer bytes queued in the admin server, at most")
                    .isLessThanOrEqualTo(2L * metricsAnswer + 64 * 1024);
            assertThat(results.heapDuring - heapBefore).as("heap growth after GC during the attack (bytes)")
                    .isLessThan(64L << 20);

            // The attackers have left: everything returns.
            Await.until("admin connections back to 0", () -> admin.openConnections() == 0);
            Await.until("queued answer bytes back to 0", () -> admin.queuedAnswerBytes() == 0);
            int fdsAfter = Await.value("open descriptors back to " + fdsBefore + " ± 10",
                    () -> Reliability.openFds("self"), n -> n <= fdsBefore + 10);
            System.out.printf("FIGURE admin-lockout descriptors: before %d, after %d%n", fdsBefore, fdsAfter);
            assertThat(probe(adminAddress, "/health/ready").status).isEqualTo(200);
            echoes(echo, 1);
        }
    }

    /** What the hold measured; lists filled by the probe threads. */
    private static final class Results {
        final List<Probe> probes = Collections.synchronizedList(new ArrayList<>());
        final List<Probe> scrapes = Collections.synchronizedList(new ArrayList<>());
        final List<Long> echoNanos = Collections.synchronizedList(new ArrayList<>());
        final List<Long> queued = Collections.synchronizedList(new ArrayList<>());
        final List<Long> open = Collections.synchronizedList(new ArrayList<>());
        long heapDuring;
        long dripBytes;
        long dripReconnects;
        long floodConnections;
        long floodRequests;
    }

    private record Probe(String path, int status, long nanos, String error) {
    }

    /** A kubelet-style probe: a new connection, one request, the whole answer, close; timed from connect. */
    private static Probe probe(InetSocketAddress admin, String path) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.setSoTimeout(5_000);
            s.connect(admin, 5_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            long nanos = System.nanoTime() - start;
            int status = answer.startsWith("HTTP/1.1 ") && answer.length() >= 12
                    ? Integer.parseInt(answer.substring(9, 12)) : -1;
            return new Probe(path, status, nanos, status < 0 ? "answer: " + answer : "");
        } catch (IOException | RuntimeException e) {
            return new Probe(path, -1, System.nanoTime() - start, e.toString());
        }
    }

    private static void echoes(Socket echo, long round) throws IOException {
        byte[] msg = Clients.randomBytes(512, Reliability.SEED + round);
        assertThat(Clients.roundTrip(echo, msg)).as("echo, seed %d", Reliability.SEED + round).isEqualTo(msg);
    }

    /** The round trip's time, or -1 if the echo was wrong or failed. */
    private static long echoTimed(Socket echo, long round) {
        long start = System.nanoTime();
        try {
            byte[] msg = Clients.randomBytes(512, Reliability.SEED + round);
            return java.util.Arrays.equals(Clients.roundTrip(echo, msg), msg) ? System.nanoTime() - start : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static long heapAfterGc() {
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        for (int i = 0; i < 50 && sentinel.get() != null; i++) {
            System.gc();
        }
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void report(Results r, AdminMetrics m, long heapBefore, int metricsAnswer) {
        long[] probeNanos = r.probes.stream().mapToLong(Probe::nanos).toArray();
        long[] scrapeNanos = r.scrapes.stream().mapToLong(Probe::nanos).toArray();
        long[] echoNanos = r.echoNanos.stream().mapToLong(Long::longValue).filter(n -> n >= 0).toArray();
        System.out.printf("FIGURE admin-lockout probes: %d, p50 %.1f ms, p99 %.1f ms, max %.1f ms; failed %d%n",
                probeNanos.length, ms(probeNanos, 50), ms(probeNanos, 99), ms(probeNanos, 100),
                r.probes.stream().filter(p -> p.status != 200).count());
        System.out.printf("FIGURE admin-lockout scrapes (/metrics, %d B): %d, p50 %.1f ms, max %.1f ms%n",
                metricsAnswer, scrapeNanos.length, ms(scrapeNanos, 50), ms(scrapeNanos, 100));
        System.out.printf("FIGURE admin-lockout echo round trips: %d, p50 %.2f ms, max %.1f ms%n",
                echoNanos.length, ms(echoNanos, 50), ms(echoNanos, 100));
        System.out.printf("FIGURE admin-lockout attack: %d drip bytes, drippers closed by the server %d times;"
                        + " pipeliner: %d connections, %,d requests written%n",
                r.dripBytes, r.dripReconnects, r.floodConnections, r.floodRequests);
        StringBuilder closed = new StringBuilder();
        for (CloseCause c : CloseCause.values()) {
            closed.append(' ').append(c.label()).append('=').append(m.closedCount(c));
        }
        System.out.printf("FIGURE admin-lockout admin connections closed by cause:%s; open at most %d%n", closed,
                Collections.max(r.open));
        System.out.printf("FIGURE admin-lockout queued answer bytes max %,d (one /metrics answer %,d B);"
                        + " heap after GC before %.1f MiB, during %.1f MiB%n", Collections.max(r.queued),
                metricsAnswer, heapBefore / 1048576.0, r.heapDuring / 1048576.0);
    }

    private static double ms(long[] nanos, double percentile) {
        return nanos.length == 0 ? Double.NaN : Reliability.percentileMicros(nanos, percentile) / 1000.0;
    }
}
