package dev.echoport.loadgen.cli;

import dev.echoport.loadgen.ExitCodes;
import dev.echoport.loadgen.LoadGenerator;
import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.ProgressListener;
import dev.echoport.loadgen.RunDetails;
import dev.echoport.loadgen.bench.BenchCommand;
import dev.echoport.loadgen.bench.JfrSummary;
import dev.echoport.loadgen.bench.MinimalEchoServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The {@code loadgen} command: one verified load run against a TCP echo server; {@code bench} and {@code echo-server}
 * below it.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true, version = "echoport loadgen 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Drives a TCP echo server with many connections, verifies every echoed byte (each connection sends its"
                    + " own seeded pattern, so corruption, cross-talk and reordering are caught) and reports"
                    + " throughput and latency percentiles (HdrHistogram). Closed loop by default (--pipeline"
                    + " messages in flight per connection); --rate switches to an open loop whose latency counts"
                    + " from each message's intended send time (no coordinated omission).", ""},
        subcommands = {BenchCommand.class, MinimalEchoServer.class, JfrSummary.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:every echoed byte verified, no connection refused or reset",
            "1:at least one echoed byte differed from what was sent (or arrived unsolicited)",
            "2:bad option (one line on stderr names it)",
            "3:no mismatch, but connections were refused or reset, or echoes never came back",
            "4:bench: a server did not start or a scenario failed"},
        footerHeading = "%nExamples:%n",
        footer = {
            "  loadgen --port 7007 -c 50 -s 512 -d 10s -w 2s",
            "  loadgen --port 7007 -c 10 -s 64KiB -p 8 --json",
            "  loadgen --port 7007 -c 100 --rate 20000 -d 30s      (open loop)",
            "  loadgen --port 7443 --tls --tls-ca ca.crt -c 10     (TLS echo)",
            "  loadgen --port 7007 --udp -c 4 -s 512 -d 10s        (UDP echo)",
            "  loadgen --port 7007 --expect-prefix \"v1 \" -c 10     (prefix mode: echo.prefix = v1)",
            "  loadgen bench [--quick]                             (writes docs/benchmarks.md and .png)"})
public final class LoadgenMain implements Callable<Integer> {
    @Option(names = {"-H", "--host"}, defaultValue = "127.0.0.1",
            description = "Server host. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-P", "--port"}, defaultValue = "7007",
            description = "Server TCP port. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = {"-c", "--connections"}, defaultValue = "1",
            description = "Connections opened and driven at once. Default: ${DEFAULT-VALUE}.")
    int connections;

    @Option(names = {"-s", "--size"}, defaultValue = "512", converter = SizeConverter.class, paramLabel = "BYTES",
            description = "Message size: 512, 64KiB, 1MiB (max 16MiB). Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = {"-p", "--pipeline"}, defaultValue = "1",
            description = "Closed loop: messages in flight per connection. Default: ${DEFAULT-VALUE}.")
    int pipeline;

    @Option(names = {"-d", "--duration"}, defaultValue = "10s", converter = DurationConverter.class,
            paramLabel = "TIME", description = "Measured time: 10s, 500ms, 2m. Default: ${DEFAULT-VALUE}.")
    Duration duration;

    @Option(names = {"-n", "--messages"}, defaultValue = "0", paramLabel = "N",
            description = "Stop after N measured round trips in total instead of --duration (0 = use --duration)."
                    + " The run ends early if round trips stop advancing for 10 s.")
    long messages;

    @Option(names = {"-w", "--warmup"}, defaultValue = "0s", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Traffic before measuring (not in round trips or latency). Default: ${DEFAULT-VALUE}.")
    Duration warmup;

    @Option(names = "--connect-rate", defaultValue = "0", paramLabel = "PER_SECOND",
            description = "New connections per second (0 = as fast as possible). Default: ${DEFAULT-VALUE}.")
    int connectRate;

    @Option(names = {"-r", "--rate"}, defaultValue = "0", paramLabel = "PER_SECOND",
            description = "Open loop: round trips per second in total, spread over the connections; latency from"
                    + " the intended send time. 0 = closed loop. Default: ${DEFAULT-VALUE}.")
    int rate;

    @Option(names = {"-t", "--transport"}, defaultValue = "auto",
            description = "Client transport: auto, nio, epoll, io_uring, oio (auto = io_uring > epoll > nio)."
                    + " Default: ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = "--threads", defaultValue = "0",
            description = "Client event-loop threads; 0 = min(connections, cores). Each connection stays on one"
                    + " loop. oio: always one thread per connection. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--tls", description = "Speak TLS to the server (its TLS port, e.g. --port 7443). Without"
            + " --tls-ca any server certificate is accepted: a load test, not a security check.")
    boolean tlsOn;

    @Option(names = "--tls-ca", paramLabel = "PEM_FILE",
            description = "With --tls: verify the server's certificate against these CA certificates.")
    java.nio.file.Path tlsCa;

    @Option(names = "--udp", description = "UDP echo instead of TCP (the server's udp.port): --connections sockets,"
            + " one datagram in flight each, --size 8..65507; a datagram not echoed within 1 s counts as lost.")
    boolean udp;

    @Option(names = "--expect-prefix", paramLabel = "TEXT", defaultValue = "",
            description = "Prefix mode (echoport's echo.prefix, Istio tcp-echo): send every message as a line"
                    + " (--size - 1 bytes and a \\n) and verify that each reply is exactly TEXT followed by that"
                    + " line, e.g. --expect-prefix \"v1 \" against echo.prefix = v1. The reply counts as the round"
                    + " trip.")
    String expectPrefix;

    @Option(names = "--json", description = "Print the report as one JSON object on stdout (no progress line).")
    boolean json;

    @Option(names = "--progress", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Live progress line on stderr, only when it is a terminal. --no-progress turns it off.")
    boolean progress;

    private final PrintStream out;
    private final PrintStream err;

    public LoadgenMain() {
        this(System.out, System.err);
    }

    LoadgenMain(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /** Runs the command line and returns the exit status (see the --help footer). */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new LoadgenMain(out, err));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            err.println(ex.getCommandLine().getCommandName() + ": " + firstLine(ex.getMessage())
                    + " (see --help)");
            return ExitCodes.USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parse) -> {
            if (ex instanceof IllegalArgumentException) {
                err.println(c.getCommandName() + ": " + firstLine(ex.getMessage()));
                return ExitCodes.USAGE;
            }
            throw ex;
        });
        return cl.execute(args);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "invalid arguments";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadOptions options = new LoadOptions(host, port, connections, size, pipeline, duration, messages, warmup,
                connectRate, rate, transport, threads, expectPrefix).validate();
        if (udp) {
            if (tlsOn) {
                throw new IllegalArgumentException("--udp and --tls cannot be combined");
            }
            if (!expectPrefix.isEmpty()) {
                throw new IllegalArgumentException("--expect-prefix is for TCP (prefix mode has no UDP form)");
            }
            dev.echoport.loadgen.UdpLoad.Result r = dev.echoport.loadgen.UdpLoad.run(options);
            out.print(json ? r.toJson() + System.lineSeparator() : r.toText());
            out.flush();
            return r.mismatches() > 0 ? ExitCodes.MISMATCH : r.lost() > 0 || r.roundTrips() == 0
                    ? ExitCodes.CONNECTION_ERRORS : ExitCodes.OK;
        }
        io.netty.handler.ssl.SslContext tls = tlsOn ? dev.echoport.loadgen.ClientTls.context(tlsCa) : null;
        ProgressListener listener = !json && progress && System.console() != null ? new ProgressLine(err) : null;
        RunDetails details = LoadGenerator.runDetailed(options, listener, tls);
        if (listener != null) {
            err.print("\r\033[K");
            err.flush();
        }
        if (json) {
            out.println(details.report().toJson());
        } else {
            out.print(ReportText.format(options, details));
        }
        out.flush();
        return details.exitCode();
    }

    /** Rewrites one stderr line each second with the current rates. */
    private static final class ProgressLine implements ProgressListener {
        private final PrintStream err;
        private Progress last;

        ProgressLine(PrintStream err) {
            this.err = err;
        }

        @Override
        public void progress(Progress p) {
            Progress from = last != null ? last : new Progress(0, "", 0, 0, 0, 0, 0); // first line: since start
            double dt = Math.max(1e-3, p.elapsedSeconds() - from.elapsedSeconds());
            double rt = (p.roundTrips() - from.roundTrips()) / dt;
            double mb = (p.bytesReceived() - from.bytesReceived()) / 1e6 / dt;
            last = p;
            err.print("\r\033[K" + ReportText.progress(p, rt, mb));
            err.flush();
        }
    }
}
