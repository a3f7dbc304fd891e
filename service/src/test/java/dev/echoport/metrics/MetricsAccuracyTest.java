package dev.echoport.metrics;

import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The echoport meters move exactly with what a client did, on every available transport: connections admitted,
 * rejected (by reason), deferred and closed (by cause), bytes both ways, the active gauge, the info and limit gauges.
 */
class MetricsAccuracyTest {
    static final String ACTIVE = "echoport_connections_active";
    static final String ACCEPTED = "echoport_connections_accepted_total";
    static final String REJECTED = "echoport_connections_rejected_total";
    static final String DEFERRED = "echoport_connections_deferred_total";
    static final String CLOSED = "echoport_connections_closed_total";
    static final String RECEIVED = "echoport_bytes_received_total";
    static final String SENT = "echoport_bytes_sent_total";
    static final String DURATION_COUNT = "echoport_connection_duration_seconds_count";
    static final String LATENCY_COUNT = "echoport_echo_latency_seconds_count";
    static final String PAUSES = "echoport_backpressure_pauses_total";
    static final String LIMITS = "echoport_limits";
    static final String TRANSPORT_INFO = "echoport_transport_info";
    /** Every reason and cause there is: a new one cannot be left out of the "all others are zero" checks. */
    static final List<String> REASONS = java.util.Arrays.stream(dev.echoport.admission.RejectReason.values())
            .map(dev.echoport.admission.RejectReason::label).toList();
    static final List<String> CAUSES = java.util.Arrays.stream(dev.echoport.echo.CloseCause.values())
            .map(dev.echoport.echo.CloseCause::label).toList();

    static Map<String, String> reason(String r) {
        return Map.of("reason", r);
    }

    static Map<String, String> cause(String c) {
        return Map.of("cause", c);
    }

    static double value(Exposition e, String name, Map<String, String> labels) {
        return e.value(name, labels).orElseThrow(() -> new AssertionError("no sample " + name + labels));
    }

    static double value(Exposition e, String name) {
        return value(e, name, Map.of());
    }

    /** Asserts every rejection reason is 0 except those given. */
    static void assertRejected(Exposition e, Map<String, Double> expected) {
        for (String r : REASONS) {
            assertThat(value(e, REJECTED, reason(r))).as("rejected{reason=%s}", r)
                    .isEqualTo(expected.getOrDefault(r, 0.0));
        }
    }

    static void assertClosed(Exposition e, Map<String, Double> expected) {
        for (String c : CAUSES) {
            assertThat(value(e, CLOSED, cause(c))).as("closed{cause=%s}", c).isEqualTo(expected.getOrDefault(c, 0.0));
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket s : sockets) {
            s.close();
        }
    }

    @EveryTransport
    void countsEveryAdmittedConnectionAndItsCloseByTheClient(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, "")) {
            Exposition before = ep.scrape();
            assertThat(value(before, ACCEPTED)).isZero();
            assertThat(value(before, ACTIVE)).isZero();
            int n = 5;
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1");
                    open.add(s);
                    EchoClient.roundTrip(s, new byte[]{(byte) i});
                }
                Exposition whileOpen = ep.awaitValue(ACTIVE, n);
                assertThat(value(whileOpen, ACCEPTED)).isEqualTo(n);
            } finally {
                closeAll(open);
            }
            // Each meter moves on its own (a scrape is no snapshot across meters): wait for each final value.
            ep.awaitValue(CLOSED, cause("client"), n);
            ep.awaitValue(ACTIVE, 0);
            Exposition after = ep.awaitValue(DURATION_COUNT, n); // one duration per closed connection
            assertThat(value(after, ACCEPTED)).isEqualTo(n);
            assertThat(value(after, RECEIVED)).isEqualTo(n);
            assertThat(value(after, DEFERRED)).isZero();
            assertRejected(after, Map.of());
            assertClosed(after, Map.of("client", (double) n));
            Exposition sent = ep.awaitValue(SENT, n);
            assertThat(value(sent, LATENCY_COUNT)).as("echo latency recorded").isBetween(1.0, (double) n);
        }
    }

    @EveryTransport
    void rejectsExactlyTheConnectionsOverMaxConnections(Transport t) throws IOException {
        int max = 3;
        int attempts = 7;
        try (RunningEchoport ep = RunningEchoport.start(t, "admission.max-connections = " + max)) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < max; i++) {
                    Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1");
                    open.add(s);
                    EchoClient.roundTrip(s, new byte[]{1});
                }
                ep.awaitValue(ACTIVE, max);
                for (int i = max; i < attempts; i++) {
                    EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.1");
                }
                Exposition e = ep.awaitValue(REJECTED, reason("max_connections"), attempts - max);
                assertThat(value(e, ACCEPTED)).isEqualTo(max);
                assertThat(value(e, ACTIVE)).isEqualTo(max);
                assertThat(value(e, LIMITS, Map.of("kind", "max_connections"))).isEqualTo(max);
                assertRejected(e, Map.of("max_connections", (double) (attempts - max)));
            } finally {
                closeAll(open);
            }
            Exposition after = ep.awaitValue(ACTIVE, 0);
            assertThat(value(after, ACCEPTED)).as("rejected connections are never counted as accepted")
                    .isEqualTo(max);
            ep.awaitValue(CLOSED, cause("client"), max);
        }
    }

    @EveryTransport
    void countsDeniedPeersByReason(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, "admission.deny = [\"127.0.0.2/32\"]")) {
            for (int i = 0; i < 2; i++) {
                EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.2");
            }
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(s, new byte[]{42});
            }
            Exposition e = ep.awaitValue(REJECTED, reason("denied"), 2);
            assertRejected(e, Map.of("denied", 2.0));
            assertThat(value(e, ACCEPTED)).isEqualTo(1);
        }
    }

    @EveryTransport
    void countsPerIpRejectionsAndShowsThePerIpLimit(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, "admission.max-connections-per-ip = 2")) {
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1");
                    open.add(s);
                    EchoClient.roundTrip(s, new byte[]{1});
                }
                ep.awaitValue(ACTIVE, 2);
                EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.1");
                Socket other = EchoClient.connect(ep.echoPort(), "127.0.0.2");
                open.add(other);
                EchoClient.roundTrip(other, new byte[]{2});
                Exposition e = ep.awaitValue(REJECTED, reason("max_per_ip"), 1);
                assertRejected(e, Map.of("max_per_ip", 1.0));
                assertThat(value(e, ACCEPTED)).isEqualTo(3);
                assertThat(value(e, LIMITS, Map.of("kind", "max_connections_per_ip"))).isEqualTo(2);
            } finally {
                closeAll(open);
            }
            ep.awaitValue(ACTIVE, 0);
        }
    }

    @EveryTransport
    void countsDeferredConnectionsAndTheirTimeout(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, """
                admission { max-connections = 1, over-limit = defer, defer-timeout = 300ms }
                """)) {
            try (Socket holder = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(holder, new byte[]{1});
                EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.1"); // no slot freed within 300 ms
                Exposition e = ep.awaitValue(REJECTED, reason("defer_timeout"), 1);
                assertThat(value(e, DEFERRED)).isEqualTo(1);
                assertThat(value(e, ACCEPTED)).isEqualTo(1);
                assertRejected(e, Map.of("defer_timeout", 1.0));
            }
        }
    }

    @EveryTransport
    void admitsADeferredConnectionWhenASlotFrees(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, """
                admission { max-connections = 1, over-limit = defer, defer-timeout = 10s }
                """)) {
            Socket holder = EchoClient.connect(ep.echoPort(), "127.0.0.1");
            try (Socket waiting = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                try {
                    EchoClient.roundTrip(holder, new byte[]{1});
                    ep.awaitValue(DEFERRED, 1);
                } finally {
                    holder.close();
                }
                EchoClient.roundTrip(waiting, new byte[]{2}); // admitted once the holder's slot freed
                Exposition e = ep.scrape();
                assertThat(value(e, ACCEPTED)).isEqualTo(2);
                assertThat(value(e, DEFERRED)).isEqualTo(1);
                assertRejected(e, Map.of());
            }
        }
    }

    @EveryTransport
    void countsExactlyTheBytesOfAKnownPayloadBothWays(Transport t) throws Exception {
        byte[] payload = new byte[98_765];
        new Random(4).nextBytes(payload);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (RunningEchoport ep = RunningEchoport.start(t, "")) {
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        s.getOutputStream().write(payload);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, writer);
                byte[] back = s.getInputStream().readNBytes(payload.length);
                written.get(10, TimeUnit.SECONDS);
                assertThat(Arrays.equals(back, payload)).as("echo equals the payload").isTrue();
            }
            Exposition e = ep.awaitValue(SENT, payload.length);
            assertThat(value(e, RECEIVED)).isEqualTo(payload.length);
            assertThat(value(e, LATENCY_COUNT)).isGreaterThanOrEqualTo(1);
            Exposition closed = ep.awaitValue(CLOSED, cause("client"), 1);
            assertThat(value(closed, SENT)).as("no byte counted twice").isEqualTo(payload.length);
            assertThat(value(closed, RECEIVED)).isEqualTo(payload.length);
        } finally {
            writer.shutdownNow();
        }
    }

    @EveryTransport
    void countsBackpressurePausesAndTheAllocatorHoldingTheQueuedEcho(Transport t) throws Exception {
        byte[] payload = new byte[1 << 20];
        new Random(5).nextBytes(payload);
        ExecutorService writer = Executors.newSingleThreadExecutor();
        // Small socket buffers on both sides, so the echo queues inside echoport while the client does not read.
        try (RunningEchoport ep = RunningEchoport.start(t, "socket.send-buffer = 8KiB")) {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(8192);
                s.setSoTimeout(EchoClient.READ_TIMEOUT_MS);
                s.connect(new java.net.InetSocketAddress("127.0.0.1", ep.echoPort()), EchoClient.READ_TIMEOUT_MS);
                CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                    try {
                        s.getOutputStream().write(payload);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                }, writer);
                Map<String, String> peerSlow = reason("peer_slow");
                Exposition paused = ep.awaitScrape(PAUSES + peerSlow + " >= 1",
                        e -> value(e, PAUSES, peerSlow) >= 1, e -> String.valueOf(value(e, PAUSES, peerSlow)));
                assertThat(value(paused, PAUSES, reason("memory_budget"))).as("far under the budget").isZero();
                double allocated = paused.samples("netty_allocator_memory_used").stream()
                        .mapToDouble(Exposition.Sample::value).sum();
                assertThat(allocated).as("Netty allocator memory while echo bytes are queued (the allocator "
                        + "metrics must watch the allocator the channels use)").isPositive();
                byte[] back = s.getInputStream().readNBytes(payload.length);
                written.get(10, TimeUnit.SECONDS);
                assertThat(Arrays.equals(back, payload)).as("echo equals the payload").isTrue();
            }
            Exposition e = ep.awaitValue(SENT, payload.length);
            assertThat(value(e, RECEIVED)).isEqualTo(payload.length);
        } finally {
            writer.shutdownNow();
        }
    }

    @EveryTransport
    void countsIdleTimeoutClosesAsIdle(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, "echo.idle-timeout = 300ms")) {
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(s, new byte[]{7});
                assertThat(EchoClient.awaitServerClose(s)).isEqualTo("eof");
            }
            Exposition e = ep.awaitValue(CLOSED, cause("idle"), 1);
            assertClosed(e, Map.of("idle", 1.0));
            ep.awaitValue(ACTIVE, 0);
        }
    }

    @EveryTransport
    void countsConnectionsClosedByADrainAsShutdown(Transport t) throws IOException {
        try (RunningEchoport ep = RunningEchoport.start(t, "")) {
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(s, new byte[]{7});
                assertThat(ep.echoport().server().drain(java.time.Duration.ZERO)).isEqualTo(1);
                EchoClient.awaitServerClose(s);
            }
            Exposition e = ep.awaitValue(CLOSED, cause("shutdown"), 1);
            assertClosed(e, Map.of("shutdown", 1.0));
            ep.awaitValue(ACTIVE, 0);
        }
    }

    @EveryTransport
    void showsTheTransportAndTheConfiguredLimits(Transport t) {
        try (RunningEchoport ep = RunningEchoport.start(t, """
                admission { max-connections = 42, max-connections-per-ip = 7 }
                echo { write-buffer-high-watermark = 128KiB, write-buffer-low-watermark = 64KiB }
                overload { echo-memory-budget = 10MiB, stop-accepting-at = 2.0 }
                """)) {
            Exposition e = ep.scrape();
            List<Exposition.Sample> info = e.samples(TRANSPORT_INFO);
            assertThat(info).hasSize(1);
            assertThat(info.get(0).labels()).containsEntry("requested", t.configName())
                    .containsEntry("active", t.configName());
            assertThat(info.get(0).value()).isEqualTo(1);
            assertThat(value(e, LIMITS, Map.of("kind", "max_connections"))).isEqualTo(42);
            assertThat(value(e, LIMITS, Map.of("kind", "max_connections_per_ip"))).isEqualTo(7);
            assertThat(value(e, LIMITS, Map.of("kind", "write_buffer_high_watermark_bytes"))).isEqualTo(128 * 1024);
            assertThat(value(e, LIMITS, Map.of("kind", "echo_memory_budget_bytes"))).isEqualTo(10 << 20);
            assertThat(value(e, LIMITS, Map.of("kind", "echo_memory_stop_accepting_bytes"))).isEqualTo(20 << 20);
            long direct = io.netty.util.internal.PlatformDependent.maxDirectMemory();
            assertThat(value(e, LIMITS, Map.of("kind", "direct_memory_pause_bytes")))
                    .isEqualTo((long) (direct * EchoMemoryBudget.DIRECT_PAUSE_SHARE));
            assertThat(value(e, LIMITS, Map.of("kind", "direct_memory_stop_accepting_bytes")))
                    .isEqualTo((long) (direct * EchoMemoryBudget.DIRECT_STOP_SHARE));
            assertThat(e.samples(LIMITS)).hasSize(7);
        }
    }
}
