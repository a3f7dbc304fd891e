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
    void theReportQuotesTheOptionsAsGivenWithoutTheCommandName() {
        // Through loadgen's own command line, as bench/run.sh runs it: picocli hands the subcommand every argument.
        CommandLine.ParseResult parsed = new CommandLine(new dev.echoport.loadgen.cli.LoadgenMain())
                .parseArgs("bench", "--quick", "--note", "shared host, it's noisy", "--base-port", "27100");
        BenchCommand bench = (BenchCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(bench.config().arguments())
                .isEqualTo("--quick --note 'shared host, it'\\''s noisy' --base-port 27100");
    }

    @Test
    @Timeout(420)
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
        boolean c = results.loads().stream().anyMatch(r -> r.kind() == ServerKind.C);
        // echoport per transport, canonical and minimal per baseline, the C server when a compiler is here
        long javaServers = available.size() + 2 * config.baselines().stream().filter(available::contains).count();
        assertThat(results.failures()).allMatch(f -> f.contains("skipped"));
        assertThat(results.loads()).hasSize((int) ((javaServers + (c ? 1 : 0)) * loadScenarios));
        assertThat(results.idles()).hasSize((int) javaServers); // the C server has no heap to weigh
        if (!c) {
            assertThat(results.failures()).anyMatch(f -> f.startsWith("C echo server and C client: skipped"));
        }

        String report = Files.readString(md);
        assertThat(report).contains("## Machine", "## Headline", "## Idle connections", "## Ratios", "## Targets",
                "Winsock", "benchmarks.png", results.machine().jdk(), "canonical", results.client());
        assertThat(report).contains("bench --quick --out " + out + " --echoport-jar classpath --base-port 27100`");
        assertHeadlineRatio(results, report, "echoport epoll", "canonical epoll");
        if (c) {
            assertHeadlineRatio(results, report, "echoport epoll", "C epoll");
        }
        assertThat(results.protocols()).extracting(BenchResults.ProtocolRow::protocol)
                .containsExactly("tcp", "tls", "udp", "tcp", "tls");
        for (BenchResults.ProtocolRow p : results.protocols()) {
            assertThat(p.verified()).as(p.protocol() + " " + p.shape()).isTrue();
            assertThat(p.roundTripsPerSecond()).isPositive();
            assertThat(p.roundRates()).hasSize(config.rounds());
        }
        assertThat(report).contains("## TLS and UDP beside plain TCP");
        // The provider is the one the server reported serving with (auto picks OpenSSL only where it loads).
        String provider = (io.netty.handler.ssl.OpenSsl.isAvailable() ? "openssl" : "jdk") + " (tls.provider = auto)";
        assertThat(results.protocols()).extracting(BenchResults.ProtocolRow::tlsProvider).containsOnly(provider);
        assertThat(report).contains("`echoport_tls_provider_info`: " + results.protocols().get(0).server() + ": "
                + provider + ".");
        for (BenchResults.LoadRow row : results.loads()) {
            LoadReport r = row.details().report();
            assertThat(r.clean()).as(row.server() + " " + row.scenario().name()).isTrue();
            assertThat(row.details().drained()).isTrue();
            assertThat(r.roundTrips()).isPositive();
            assertThat(r.totalBytesSent()).isEqualTo(r.totalBytesReceived());
            assertThat(r.latency().p50Micros()).isLessThanOrEqualTo(r.latency().p99Micros());
            assertThat(r.latency().p99Micros()).isLessThanOrEqualTo(r.latency().maxMicros());
            // CPU over the measured window only: never more than every core for the window (+ one 10 ms tick of
            // /proc's resolution each end); a short light window may round down to 0, bulk never does
            assertThat(row.serverCpuSeconds()).as(row.server() + " " + row.scenario().name() + " CPU seconds")
                    .isBetween(0.0, r.measuredSeconds() * results.machine().cores() + 0.02);
            if (row.scenario().pipeline() > 1) {
                assertThat(row.serverCpuSeconds()).as(row.server() + " bulk CPU seconds").isPositive();
            }
            assertThat(row.roundRates()).hasSize(config.rounds()).contains(r.roundTripsPerSecond());
            assertThat(row.roundCpuMicros()).hasSize(config.rounds()).contains(row.serverCpuMicrosPerRoundTrip());
            assertThat(report).contains(String.format(Locale.ROOT, "| %s | %s | %,.0f |", row.scenario().name(),
                    row.server(), r.roundTripsPerSecond()));
        }
        for (BenchResults.IdleRow idle : results.idles()) {
            assertThat(idle.opened()).isEqualTo(idle.connections());
            assertThat(idle.rssAfterKiB()).isPositive();
            assertThat(idle.heapAfterKiB()).isPositive();
            if (idle.spec().transport().equals("oio")) {
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

    /** The headline cell of a pair is the per-round ratio computed from the rows (one round in quick mode). */
    private static void assertHeadlineRatio(BenchResults results, String report, String a, String b) {
        Scenario s = results.config().scenarios().get(1);
        BenchResults.LoadRow x = results.load(a, s).orElseThrow();
        BenchResults.LoadRow y = results.load(b, s).orElseThrow();
        String rt = String.format(Locale.ROOT, "%.2fx rt/s", x.details().report().roundTripsPerSecond()
                / y.details().report().roundTripsPerSecond());
        String cpu = String.format(Locale.ROOT, "%.2fx CPU", x.serverCpuMicrosPerRoundTrip()
                / y.serverCpuMicrosPerRoundTrip());
        String headline = report.substring(report.indexOf("## Headline"), report.indexOf("## Round trips/s"));
        assertThat(headline).contains(a + " / " + b).contains(rt + ", " + cpu);
    }
}
