package dev.echoport.loadgen;

import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the load generator over real loopback sockets against the real echoport server, on every client transport. */
@Timeout(120)
class LoadGeneratorTest {

    @EveryTransport
    void closedLoopCountsEveryMessageAndEchoesEveryByte(Transport client) throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            LoadOptions o = LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(4).withMessageSize(300).withPipeline(4).withTotalMessages(2_000)
                    .withTransport(client.configName());

            LoadReport r = LoadGenerator.run(o);

            assertThat(r.mismatches()).isZero();
            assertThat(r.connectionsOpened()).isEqualTo(4);
            assertThat(r.connectFailures()).isZero();
            assertThat(r.resets()).isZero();
            assertThat(r.roundTrips()).isEqualTo(2_000);
            assertThat(r.latency().count()).isEqualTo(2_000);
            assertThat(r.totalBytesSent()).isEqualTo(2_000L * 300).isEqualTo(r.totalBytesReceived());
            assertThat(r.roundTripsPerSecond()).isCloseTo(2_000 / r.measuredSeconds(),
                    org.assertj.core.data.Percentage.withPercentage(0.1));
            assertThat(r.latency().p50Micros()).isPositive()
                    .isLessThanOrEqualTo(r.latency().p99Micros());
            assertThat(r.latency().p99Micros()).isLessThanOrEqualTo(r.latency().maxMicros());
        }
    }

    @Test
    void largeMessagesSpanningThePatternPeriodAreVerified() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            int size = EchoPattern.PERIOD * 2 + 17; // crosses the pattern's wrap-around inside one message
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(2).withMessageSize(size).withPipeline(2).withTotalMessages(20));

            assertThat(r.mismatches()).isZero();
            assertThat(r.roundTrips()).isEqualTo(20);
            assertThat(r.totalBytesReceived()).isEqualTo(20L * size).isEqualTo(r.totalBytesSent());
        }
    }

    @Test
    void warmupTrafficIsSentButNotMeasured() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(2).withMessageSize(64).withWarmup(Duration.ofMillis(300))
                    .withTotalMessages(500));

            assertThat(r.mismatches()).isZero();
            assertThat(r.roundTrips()).isEqualTo(500);
            assertThat(r.totalBytesSent()).isGreaterThan(500L * 64).isEqualTo(r.totalBytesReceived());
            assertThat(r.totalBytesSent() % 64).isZero();
        }
    }

    @Test
    void durationModeStopsOnTimeAndAwaitsEveryMessageInFlight() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            long start = System.nanoTime();
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(3).withPipeline(8).withDuration(Duration.ofMillis(500)));
            double elapsed = (System.nanoTime() - start) / 1e9;

            assertThat(r.clean()).isTrue();
            assertThat(r.roundTrips()).isPositive();
            assertThat(r.measuredSeconds()).isBetween(0.45, 3.0);
            assertThat(elapsed).isLessThan(10);
            assertThat(r.totalBytesSent()).isEqualTo(r.totalBytesReceived()).isEqualTo(r.roundTrips() * 512);
        }
    }

    @EveryTransport
    void openLoopSendsAtTheTargetRateAndMeasuresFromIntendedTimes(Transport client) throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(4).withMessageSize(100).withTargetRate(2_000)
                    .withDuration(Duration.ofSeconds(1)).withTransport(client.configName()));

            assertThat(r.clean()).isTrue();
            // 2,000/s for 1 s: the schedule, not the server's speed, sets the count.
            assertThat(r.roundTrips()).isBetween(1_700L, 2_300L);
            assertThat(r.roundTripsPerSecond()).isBetween(1_600.0, 2_400.0);
            assertThat(r.latency().count()).isEqualTo(r.roundTrips());
            assertThat(r.totalBytesSent()).isEqualTo(r.totalBytesReceived());
        }
    }

    @Test
    void openLoopWithAMessageCountStopsAtTheCount() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(2).withTargetRate(5_000).withTotalMessages(1_000));

            assertThat(r.clean()).isTrue();
            assertThat(r.roundTrips()).isEqualTo(1_000);
            assertThat(r.measuredSeconds()).isBetween(0.15, 2.0);
        }
    }

    @Test
    void connectRatePacesNewConnections() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            long start = System.nanoTime();
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(20).withConnectRate(50).withTotalMessages(20));
            double elapsed = (System.nanoTime() - start) / 1e9;

            assertThat(r.connectionsOpened()).isEqualTo(20);
            assertThat(elapsed).as("20 connections at 50/s take at least 19/50 s").isGreaterThanOrEqualTo(0.38);
        }
    }

    @Test
    void refusedConnectionsAreCountedAsConnectFailures() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("admission.max-connections = 2")) {
            RunDetails d = LoadGenerator.runDetailed(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withConnections(5).withDuration(Duration.ofMillis(300)), null);

            assertThat(d.report().connectionsOpened()).isEqualTo(2);
            assertThat(d.report().connectFailures()).isEqualTo(3);
            assertThat(d.report().mismatches()).isZero();
            assertThat(d.exitCode()).isEqualTo(ExitCodes.CONNECTION_ERRORS);
        }
    }

    @Test
    void nothingListeningIsConnectionRefused() throws Exception {
        int port;
        try (RunningEchoport server = RunningEchoport.start("")) {
            port = server.echoPort();
        }
        RunDetails d = LoadGenerator.runDetailed(LoadOptions.defaults("127.0.0.1", port).withConnections(3)
                .withDuration(Duration.ofMillis(200)), null);

        assertThat(d.report().connectionsOpened()).isZero();
        assertThat(d.report().connectFailures()).isEqualTo(3);
        assertThat(d.firstError()).contains("refused");
        assertThat(d.exitCode()).isEqualTo(ExitCodes.CONNECTION_ERRORS);
    }

    @Test
    void aFlippedBitIsAMismatch() throws Exception {
        try (TestServers.Broken server = new TestServers.Broken(() -> new TestServers.FlipOneByte(1_000))) {
            RunDetails d = LoadGenerator.runDetailed(LoadOptions.defaults("127.0.0.1", server.port())
                    .withConnections(2).withMessageSize(100).withTotalMessages(200), null);

            // Byte 1,000 of each connection is message 10's byte 0: exactly one bad message per connection.
            assertThat(d.report().mismatches()).isEqualTo(2);
            assertThat(d.report().roundTrips()).isEqualTo(200);
            assertThat(d.exitCode()).isEqualTo(ExitCodes.MISMATCH);
            assertThat(d.firstError()).contains("mismatch");
        }
    }

    @Test
    void reorderedBytesAreMismatches() throws Exception {
        try (TestServers.Broken server = new TestServers.Broken(TestServers.SwapHalves::new)) {
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.port())
                    .withConnections(2).withMessageSize(256).withTotalMessages(100));

            assertThat(r.mismatches()).isPositive();
            assertThat(r.totalBytesReceived()).isEqualTo(r.totalBytesSent());
        }
    }

    @Test
    void connectionsClosedMidRunAreResets() throws Exception {
        try (TestServers.Broken server = new TestServers.Broken(() -> new TestServers.CloseAfter(10 * 100))) {
            RunDetails d = LoadGenerator.runDetailed(LoadOptions.defaults("127.0.0.1", server.port())
                    .withConnections(3).withMessageSize(100).withDuration(Duration.ofSeconds(5)), null);

            assertThat(d.report().resets()).isEqualTo(3);
            assertThat(d.report().mismatches()).isZero();
            assertThat(d.report().roundTrips()).isEqualTo(30);
            assertThat(d.exitCode()).isEqualTo(ExitCodes.CONNECTION_ERRORS);
        }
    }

    @Test
    void invalidOptionsNameTheOption() {
        LoadOptions o = LoadOptions.defaults("127.0.0.1", 7);
        assertThatThrownBy(() -> LoadGenerator.run(o.withConnections(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("--connections");
        assertThatThrownBy(() -> LoadGenerator.run(o.withMessageSize(0)))
                .hasMessageStartingWith("--size");
        assertThatThrownBy(() -> LoadGenerator.run(o.withTransport("carrier-pigeon")))
                .hasMessageStartingWith("--transport carrier-pigeon");
        assertThatThrownBy(() -> LoadGenerator.run(o.withDuration(Duration.ZERO)))
                .hasMessageStartingWith("--duration");
    }

    @Test
    void jsonCarriesEveryField() throws Exception {
        try (RunningEchoport server = RunningEchoport.start("")) {
            LoadReport r = LoadGenerator.run(LoadOptions.defaults("127.0.0.1", server.echoPort())
                    .withTotalMessages(50));
            String json = r.toJson();
            for (var c : LoadReport.class.getRecordComponents()) {
                assertThat(json).contains("\"" + c.getName() + "\":");
            }
            assertThat(json).contains("\"roundTrips\":50,").contains("\"count\":50}").doesNotContain("\n");
        }
    }
}
