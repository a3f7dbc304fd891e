package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.TestServers;
import dev.echoport.testsupport.EchoportProcess;
import io.netty.channel.ChannelHandler;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The benchmark's C programs as the bench builds them: the C echo server echoes every byte (small messages, many
 * connections, pipelined 64 KiB messages), the C client counts and checks what it measures, and it catches a wrong
 * byte, bytes in the wrong order and a connection closed under it. Skipped, with the reason, where they cannot be
 * built (no C compiler, not Linux).
 */
class CBenchProgramsTest {
    private static final Duration WARMUP = Duration.ofMillis(100);
    private static final Duration DURATION = Duration.ofMillis(500);

    @TempDir
    static Path dir;
    private static CTools c;

    @BeforeAll
    static void build() throws InterruptedException {
        c = CTools.build(dir);
    }

    @Test
    void cEchoServerEchoesEveryByteAndTheClientCountsTheServersCpu() throws Exception {
        assumeTrue(c.available(), () -> "C programs not built: " + c.unavailableReason());
        int port = EchoportProcess.freePort();
        try (ServerProcess server = ServerProcess.start(ServerSpec.of(ServerKind.C, "epoll"), port, 0,
                Optional.empty(), dir, java.util.List.of(), c.server())) {
            for (Scenario s : new Scenario[]{new Scenario("1 x 1 B", 1, 1, 1, false),
                    new Scenario("200 x 512 B", 200, 512, 1, false),
                    new Scenario("4 x 64 KiB, pipeline 4", 4, 64 * 1024, 4, false)}) {
                CLoadClient.Result r = CLoadClient.run(c.client(), server.port(), s, WARMUP, DURATION, server.pid());
                LoadReport report = r.details().report();
                assertThat(report.clean()).as(s.name() + ": " + r.details().firstError()).isTrue();
                assertThat(r.details().drained()).as(s.name() + " drained").isTrue();
                assertThat(report.connectionsOpened()).isEqualTo(s.connections());
                assertThat(report.roundTrips()).as(s.name()).isPositive();
                assertThat(report.totalBytesReceived()).isEqualTo(report.totalBytesSent());
                // measured round trips are whole messages, and fewer than all that came back (warm-up excluded)
                assertThat(report.roundTrips() * s.messageSize()).isLessThan(report.totalBytesReceived());
                assertThat(report.latency().count()).isEqualTo(report.roundTrips());
                assertThat(report.latency().p50Micros()).isLessThanOrEqualTo(report.latency().p99Micros());
                assertThat(r.serverCpuSeconds()).as("server CPU over the window").isGreaterThanOrEqualTo(0);
                assertThat(r.details().busiestLoop()).isBetween(0.0, 1.0);
            }
        }
    }

    @Test
    void cClientCatchesAFlippedBit() throws Exception {
        LoadReport r = against(() -> new TestServers.FlipOneByte(10_000));
        assertThat(r.mismatches()).isPositive();
        assertThat(r.clean()).isFalse();
    }

    @Test
    void cClientCatchesBytesInTheWrongOrder() throws Exception {
        LoadReport r = against(TestServers.SwapHalves::new);
        assertThat(r.mismatches()).isPositive();
    }

    @Test
    void cClientCountsAConnectionClosedUnderIt() throws Exception {
        LoadReport r = against(() -> new TestServers.CloseAfter(5_000));
        assertThat(r.resets()).isPositive();
        assertThat(r.mismatches()).isZero();
    }

    private static LoadReport against(Supplier<ChannelHandler> handler) throws Exception {
        assumeTrue(c.available(), () -> "C programs not built: " + c.unavailableReason());
        try (TestServers.Broken server = new TestServers.Broken(handler)) {
            CLoadClient.Result r = CLoadClient.run(c.client(), server.port(),
                    new Scenario("4 x 2 KiB", 4, 2048, 2, false), WARMUP, DURATION, ProcessHandle.current().pid());
            return r.details().report();
        }
    }
}
