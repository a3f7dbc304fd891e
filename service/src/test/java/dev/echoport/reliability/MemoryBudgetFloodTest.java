package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Many clients that write until their sockets block and never read, against a process whose direct memory is capped
 * small (the documented container, scaled down): the echo memory budget holds the queued bytes of all connections
 * together under its mark and the direct memory in use short of the JVM's limit, nothing runs out of direct memory
 * (not even when the whole flood resets at once), a reader connected before the flood keeps its echo,
 * probes and scrapes answer within a second, and once the flood pushes past the stop-accepting mark readiness says so
 * and accepting resumes when the flood leaves.
 */
class MemoryBudgetFloodTest {
    private static final Logger log = LoggerFactory.getLogger(MemoryBudgetFloodTest.class);
    static final String DIRECT_MEMORY = "48m";
    static final long DIRECT_MEMORY_BYTES = 48L << 20;
    static final int STEP = 50;
    static final int MOST_CLIENTS = 2_000;
    /** What a probe, a scrape or a round trip must take: kubelet's default probe timeout. */
    static final long PROBE_BOUND_MILLIS = 1_000;
    /** Longer than this, any one of them fails the test outright. */
    static final long WORST_BOUND_MILLIS = 5_000;
    private static final Pattern SAMPLE = Pattern.compile("(?m)^echoport_echo_pending_bytes (\\S+)$");
    private static final Pattern DIRECT_IN_USE =
            Pattern.compile("(?m)^jvm_buffer_memory_used_bytes\\{id=\"direct\"\\} (\\S+)$");

    @TempDir
    Path dir;

    @EveryTransport
    void non_readers_cannot_push_the_process_past_its_echo_memory_budget(Transport transport) throws Exception {
        assumeFalse(transport.isThreadPerConnection(), "oio: a non-reader blocks its own thread in write() with "
                + "about 33 KiB queued, so reaching the budget takes ~600 threads and minutes; io-threads bounds oio "
                + "instead");
        Path conf = dir.resolve("echoport.conf");
        // Small kernel buffers keep what the kernel holds per connection small, so the test's load lands in echoport.
        Files.writeString(conf, "echoport.socket { receive-buffer = 8KiB, send-buffer = 8KiB }\n");
        List<SocketChannel> flood = new ArrayList<>();
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_TRANSPORT", transport.configName(),
                "JAVA_TOOL_OPTIONS", "-XX:MaxDirectMemorySize=" + DIRECT_MEMORY), "--config", conf.toString());
             Socket reader = Clients.connect(p.echoAddress())) {
            try {
                long budget = limit(p, "echo_memory_budget_bytes");
                long stopMark = limit(p, "echo_memory_stop_accepting_bytes");
                assertThat(budget).as("auto: 40%% of the direct memory").isBetween(19_000_000L, 21_000_000L);
                String ctx = transport + ", budget " + budget + ", stop mark " + stopMark;

                // Wave 1: non-readers, 50 at a time, until their queued echo passes the budget (how many that takes
                // depends on the transport's read sizes); a step adds at most 50 x (watermark + a read) = 6.5 MB, less
                // than the 10 MB between the budget and the stop mark.
                Timings probes = new Timings("/health/live and /metrics, " + ctx);
                Timings roundTrips = new Timings("the reader's round trip, " + ctx);
                Peaks peaks = new Peaks();
                while (pending(p) <= budget && flood.size() < MOST_CLIENTS) {
                    open(p.echoAddress(), flood, STEP);
                    push(p, flood, reader, ctx, probes, roundTrips, peaks);
                }
                int firstWave = flood.size();
                assertThat(pending(p)).as("pending over the budget after wave 1, " + ctx).isGreaterThan(budget);
                assertThat(AdminProbe.status(p.adminPort(), "/health/ready")).as("still ready, " + ctx).isEqualTo(200);
                try (Socket fresh = Clients.connect(p.echoAddress())) {
                    byte[] msg = Clients.randomBytes(256, 1);
                    long t0 = System.nanoTime();
                    assertThat(Clients.roundTrip(fresh, msg)).as("a fresh client during the flood, " + ctx)
                            .isEqualTo(msg);
                    assertThat((System.nanoTime() - t0) / 1_000_000).as("a fresh client's connect and round trip")
                            .isLessThan(PROBE_BOUND_MILLIS);
                }

                // Wave 2: more non-readers, until the listeners stop accepting at the mark.
                while (AdminProbe.status(p.adminPort(), "/health/ready") == 200 && flood.size() < MOST_CLIENTS) {
                    open(p.echoAddress(), flood, 2 * STEP);
                    push(p, flood, reader, ctx, probes, roundTrips, peaks);
                }
                assertThat(AdminProbe.get(p.adminPort(), "/health/ready").body()).as("readiness, " + ctx)
                        .contains("overloaded");
                // Connections still reading when the mark is reached may each finish one read batch before they pause:
                // a tenth of the direct memory is room for that, and the sum stays well short of the memory itself.
                long bound = stopMark + DIRECT_MEMORY_BYTES / 10;
                // Direct memory in use stops at 85% of the limit (the budget's own mark for it), give or take a read
                // per connection still reading: under 95% leaves the room a mass reset needs (a read each).
                long directBound = DIRECT_MEMORY_BYTES * 95 / 100;
                log.info("FIGURE memory-budget {}: direct memory {}, budget {} B, stop mark {} B: {} then {} "
                                + "non-readers; pending echo bytes at most {} B (bound {} B); direct memory in use at "
                                + "most {} B (bound {} B); probes {}; reader round trips {}", transport, DIRECT_MEMORY,
                        budget, stopMark, firstWave, flood.size(), peaks.pending, bound, peaks.direct, directBound,
                        probes, roundTrips);
                assertThat(peaks.pending).as("pending echo bytes, " + ctx).isLessThanOrEqualTo(bound);
                assertThat(peaks.direct).as("direct memory in use, " + ctx).isLessThanOrEqualTo(directBound);
                probes.assertWithin(PROBE_BOUND_MILLIS, WORST_BOUND_MILLIS);
                roundTrips.assertWithin(PROBE_BOUND_MILLIS, WORST_BOUND_MILLIS);

                // The flood leaves: accepting and readiness come back, a fresh client echoes.
                for (SocketChannel ch : flood) {
                    ch.setOption(StandardSocketOptions.SO_LINGER, 0);
                    ch.close();
                }
                flood.clear();
                Await.value("ready again once the flood left, " + ctx, () -> AdminProbe.get(p.adminPort(),
                        "/health/ready").body() + " with " + pending(p) + " B pending; " + activeIn(p) + "; log: "
                        + p.stdout().subList(Math.max(0, p.stdout().size() - 4), p.stdout().size()),
                        b -> b.startsWith("ready"), Duration.ofSeconds(30));
                try (Socket fresh = Clients.connect(p.echoAddress())) {
                    byte[] msg = Clients.randomBytes(256, 2);
                    assertThat(Clients.roundTrip(fresh, msg)).isEqualTo(msg);
                }
                Await.until("pending echo bytes back to 0", () -> pending(p) == 0);
                assertThat(p.stdout()).as("no direct memory ran out, nothing closed on error, at any time, " + ctx)
                        .noneMatch(l -> l.contains("OutOfMemoryError") || l.contains("closed on error"));
            } catch (AssertionError | IOException e) {
                throw new AssertionError(e + "; server log: " + p.problems(12), e);
            }
        } finally {
            for (SocketChannel ch : flood) {
                ch.close();
            }
        }
    }


    /** Opens {@code n} more non-reading clients with small socket buffers. */
    private static void open(InetSocketAddress to, List<SocketChannel> flood, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 8 * 1024);
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 8 * 1024);
            ch.configureBlocking(false);
            ch.connect(to); // completed by the kernel, or waiting in the backlog while the server does not accept
            flood.add(ch);
        }
    }

    /** The most pending echo bytes and direct memory in use seen by any scrape. */
    private static final class Peaks {
        long pending;
        long direct;

        void see(String metrics) {
            pending = Math.max(pending, pendingIn(metrics));
            Matcher m = DIRECT_IN_USE.matcher(metrics);
            assertThat(m.find()).as("direct memory in use in /metrics").isTrue();
            direct = Math.max(direct, (long) Double.parseDouble(m.group(1)));
        }
    }

    /**
     * Writes to every flood client until none takes another byte for a while (or 20 s pass), probing and timing the
     * reader's round trip all the while, and noting the peaks each scrape shows.
     */
    private static void push(EchoportProcess p, List<SocketChannel> flood, Socket reader, String ctx,
                             Timings probes, Timings roundTrips, Peaks peaks) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long end = System.nanoTime() + 20_000_000_000L;
        int idleRounds = 0;
        while (idleRounds < 20 && System.nanoTime() - end < 0) {
            long written = 0;
            for (SocketChannel ch : flood) {
                if (ch.isConnectionPending()) {
                    ch.finishConnect();
                }
                if (ch.isConnected()) {
                    chunk.clear();
                    try {
                        written += ch.write(chunk);
                    } catch (IOException refusedOrReset) {
                        // a connection the server did not take: nothing to push
                    }
                }
            }
            idleRounds = written == 0 ? idleRounds + 1 : 0;
            long t0 = System.nanoTime();
            String metrics = AdminProbe.get(p.adminPort(), "/metrics").body();
            int live = AdminProbe.status(p.adminPort(), "/health/live");
            probes.add((System.nanoTime() - t0) / 1_000_000);
            assertThat(live).as("/health/live during the flood, " + ctx).isEqualTo(200);
            peaks.see(metrics);
            byte[] msg = Clients.randomBytes(64, idleRounds);
            t0 = System.nanoTime();
            assertThat(Arrays.equals(Clients.roundTrip(reader, msg), msg)).as("reader's echo, " + ctx).isTrue();
            roundTrips.add((System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static String activeIn(EchoportProcess p) {
        Matcher m = Pattern.compile("(?m)^echoport_connections_active (\\S+)$")
                .matcher(AdminProbe.get(p.adminPort(), "/metrics").body());
        return m.find() ? "active " + m.group(1) : "active ?";
    }

    private static long pending(EchoportProcess p) {
        return pendingIn(AdminProbe.get(p.adminPort(), "/metrics").body());
    }

    private static long pendingIn(String metrics) {
        Matcher m = SAMPLE.matcher(metrics);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
    }

    private static long limit(EchoportProcess p, String kind) {
        Matcher m = Pattern.compile("(?m)^echoport_limits\\{kind=\"" + kind + "\"\\} (\\S+)$")
                .matcher(AdminProbe.get(p.adminPort(), "/metrics").body());
        assertThat(m.find()).as("echoport_limits{kind=%s}", kind).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
