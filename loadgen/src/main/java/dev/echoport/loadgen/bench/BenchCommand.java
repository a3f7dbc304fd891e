package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.ExitCodes;
import dev.echoport.loadgen.cli.DurationConverter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/** The {@code bench} command: every scenario against every transport, then docs/benchmarks.md and .png. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpAutoWidth = true,
        description = "Compares echoport's transports side by side on this host: starts echoport in its own JVM per"
                + " transport, Netty's canonical echo and the minimal echo server as baselines and a C epoll echo"
                + " server as the limit, runs the scenarios (1 x 1 B,"
                + " 50 x 512 B, 1,000 x 512 B, 10 x 64 KiB pipelined, 5,000 idle connections) with loadgen, and"
                + " writes benchmarks.md (machine, tables, ratios, verdicts) and benchmarks.png (throughput and p99"
                + " vs connections). About 13 minutes by default; --quick about 3.")
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--quick", description = "Short runs and scaled-down scenarios (200 connections, 500 idle):"
            + " about 3 minutes, to prove the benchmark works, not to measure.")
    boolean quick;

    @Option(names = "--out", defaultValue = "docs", paramLabel = "DIR",
            description = "Where benchmarks.md and benchmarks.png go. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--transports", split = ",", defaultValue = "oio,nio,epoll,io_uring",
            description = "Server transports to compare. Default: ${DEFAULT-VALUE}.")
    List<String> transports;

    @Option(names = "--baselines", split = ",", defaultValue = "epoll,io_uring",
            description = "Transports on which Netty's canonical echo server and the minimal echo server also run,"
                    + " to price what echoport adds. Default: ${DEFAULT-VALUE}.")
    List<String> baselines;

    @Option(names = "--client", defaultValue = "c",
            description = "What drives the load scenarios: c (bench/c/echo_client.c, one thread, epoll, every byte"
                    + " checked; compiled now, loadgen's Java client when no C compiler is present) or java."
                    + " Default: ${DEFAULT-VALUE}.")
    String client;

    @Option(names = "--skip-c-echo",
            description = "Do not run the C epoll echo server (bench/c/echo_server.c, the limit).")
    boolean skipCEcho;

    @Option(names = "--variant", paramLabel = "NAME@TRANSPORT:KEY=VALUE[,...]",
            description = "An extra echoport server with its own settings, e.g."
                    + " hw256k@epoll:echoport.echo.write-buffer-high-watermark=256KiB. Keys: ECHOPORT_* environment"
                    + " variables or echoport.* settings. Repeatable.")
    List<String> variants = List.of();

    @Option(names = "--echoport-jar", defaultValue = "service/target/echoport.jar", paramLabel = "JAR",
            description = "The echoport jar to launch; if it does not exist (or is 'classpath'), echoport's Main"
                    + " runs from loadgen's own classpath. Default: ${DEFAULT-VALUE}.")
    String echoportJar;

    @Option(names = "--client-transport", defaultValue = "epoll",
            description = "loadgen's own transport, the same against every server. Default: ${DEFAULT-VALUE}.")
    String clientTransport;

    @Option(names = "--client-threads", defaultValue = "0",
            description = "loadgen's event-loop threads (0 = one per core). Default: ${DEFAULT-VALUE}.")
    int clientThreads;

    @Option(names = "--warmup", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Warm-up per scenario and round. Default: 0.5s (--quick: 0.2s).")
    Duration warmup;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Measured time per scenario and round. Default: 1.5s (--quick: 0.5s).")
    Duration duration;

    @Option(names = "--rounds", paramLabel = "N",
            description = "Rounds: every scenario runs N times against every server, interleaved, and the median"
                    + " round is reported (the spread too); 5 or more to resolve 5%%. Default: 5 (--quick: 1).")
    Integer rounds;

    @Option(names = "--base-port", defaultValue = "17100",
            description = "First TCP port; each server takes the next two (echo, admin). Default: ${DEFAULT-VALUE}.")
    int basePort;

    @Option(names = "--note", paramLabel = "TEXT",
            description = "A line for the report, e.g. \"the machine was shared with other builds\".")
    String note;

    @Override
    public Integer call() throws InterruptedException, IOException {
        BenchConfig config = config();
        BenchResults results = BenchRunner.run(config, System.err);
        Path md = BenchReport.write(results);
        Path png = BenchChart.write(results);
        System.out.println("wrote " + md + " and " + png + " in " + Math.round(results.elapsedSeconds()) + " s");
        results.failures().forEach(f -> System.out.println("not measured: " + f));
        return results.loads().isEmpty() ? ExitCodes.BENCH_FAILED : ExitCodes.OK;
    }

    /**
     * The options as given, quoted where needed, so the report can say exactly how to run it again. Run as
     * {@code loadgen bench ...}, picocli hands this subcommand the whole command line: the leading "bench" is the
     * command's name, not an option, and the report already says {@code bench}.
     */
    private String arguments() {
        if (spec == null || spec.commandLine().getParseResult() == null) {
            return "";
        }
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        if (!args.isEmpty() && args.get(0).equals(spec.name())) {
            args = args.subList(1, args.size());
        }
        return args.stream()
                .map(a -> a.matches("[A-Za-z0-9_./:=,@-]+") ? a : "'" + a.replace("'", "'\\''") + "'")
                .collect(java.util.stream.Collectors.joining(" "));
    }

    BenchConfig config() {
        Optional<Path> jar = echoportJar.equals("classpath") || !Files.isRegularFile(Path.of(echoportJar))
                ? Optional.empty() : Optional.of(Path.of(echoportJar));
        Duration w = warmup != null ? warmup : quick ? Duration.ofMillis(200) : Duration.ofMillis(500);
        Duration d = duration != null ? duration : quick ? Duration.ofMillis(500) : Duration.ofMillis(1500);
        int n = rounds != null ? rounds : quick ? 1 : 5;
        if (n < 1) {
            throw new IllegalArgumentException("--rounds must be >= 1, was " + n);
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("--duration must be > 0, was " + d);
        }
        if (!client.equals("c") && !client.equals("java")) {
            throw new IllegalArgumentException("--client must be c or java, was " + client);
        }
        if (clientThreads < 0) {
            throw new IllegalArgumentException("--client-threads must be >= 0, was " + clientThreads);
        }
        return new BenchConfig(quick, List.copyOf(transports), List.copyOf(baselines), jar, clientTransport,
                clientThreads, w, d, n, basePort, out, Optional.ofNullable(note), Scenario.standard(quick), client,
                !skipCEcho, variants.stream().map(ServerSpec::parseVariant).toList(), arguments());
    }
}
