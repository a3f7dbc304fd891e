package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadReport;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs {@code loadgen bench --quick} for real (server JVMs, every available transport) so the benchmark never rots:
 * checks that the report and chart are produced and agree with what was measured. Not a speed test.
 */
class QuickBenchTest {
    private static final Logger log = LoggerFactory.getLogger(QuickBenchTest.class);

    @Test
    @Timeout(240)
    void quickBenchProducesAConsistentReportAndChart(@TempDir Path out) throws Exception {
        BenchCommand cmd = new BenchCommand();
        new CommandLine(cmd).parseArgs("--quick", "--out", out.toString(), "--echoport-jar", "classpath",
                "--base-port", "27100");
        BenchConfig config = cmd.config();
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        BenchResults results = BenchRunner.run(config, new PrintStream(progress, true, StandardCharsets.UTF_8));
        log.info("bench --quick progress:\n{}", progress.toString(StandardCharsets.UTF_8));
        Path md = BenchReport.write(results);
        Path png = BenchChart.write(results);

        List<String> available = config.transports().stream()
                .filter(t -> Transport.byConfigName(t).map(Transport::isAvailable).orElse(false)).toList();
        assertThat(available).contains("nio", "oio"); // always there: the benchmark has something to compare
        long loadScenarios = config.scenarios().stream().filter(s -> !s.idle()).count();
        long servers = available.size() + config.baselines().stream().filter(available::contains).count();
        assertThat(results.failures()).allMatch(f -> f.contains("skipped"));
        assertThat(results.loads()).hasSize((int) (servers * loadScenarios));
        assertThat(results.idles()).hasSize((int) servers);

        String report = Files.readString(md);
        assertThat(report).contains("## Machine", "## Headline", "## Idle connections", "## Ratios", "## Targets",
                "Winsock", "benchmarks.png", results.machine().jdk());
        assertThat(results.protocols()).extracting(BenchResults.ProtocolRow::protocol)
                .containsExactly("tcp", "tls", "udp", "tcp", "tls");
        for (BenchResults.ProtocolRow p : results.protocols()) {
            assertThat(p.verified()).as(p.protocol() + " " + p.shape()).isTrue();
            assertThat(p.roundTripsPerSecond()).isPositive();
            assertThat(p.roundRates()).hasSize(config.rounds());
        }
        assertThat(report).contains("## TLS and UDP beside plain TCP");
        for (BenchResults.LoadRow row : results.loads()) {
            LoadReport r = row.details().report();
            assertThat(r.clean()).as(row.server() + " " + row.scenario().name()).isTrue();
            assertThat(row.details().drained()).isTrue();
            assertThat(r.roundTrips()).isPositive();
            assertThat(r.totalBytesSent()).isEqualTo(r.totalBytesReceived());
            assertThat(r.latency().p50Micros()).isLessThanOrEqualTo(r.latency().p99Micros());
            assertThat(r.latency().p99Micros()).isLessThanOrEqualTo(r.latency().maxMicros());
            assertThat(row.serverCpuSeconds()).isPositive();
            assertThat(row.roundRates()).hasSize(config.rounds()).contains(r.roundTripsPerSecond());
            assertThat(report).contains(String.format(Locale.ROOT, "| %s | %s | %,.0f |", row.scenario().name(),
                    row.server(), r.roundTripsPerSecond()));
        }
        for (BenchResults.IdleRow idle : results.idles()) {
            assertThat(idle.opened()).isEqualTo(idle.connections());
            assertThat(idle.rssAfterKiB()).isPositive();
            assertThat(idle.heapAfterKiB()).isPositive();
            if (idle.transport().equals("oio")) {
                assertThat(idle.threadsPerConnection()).as("oio: a thread per connection").isGreaterThan(0.9);
            } else {
                assertThat(idle.threadsPerConnection()).as(idle.server() + ": threads per connection").isLessThan(0.1);
            }
            assertThat(report).contains("| " + idle.server() + " | " + String.format(Locale.ROOT, "%,d",
                    idle.opened()) + " |");
        }

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(1280);
        assertThat(image.getHeight()).isEqualTo(440);
    }
}
