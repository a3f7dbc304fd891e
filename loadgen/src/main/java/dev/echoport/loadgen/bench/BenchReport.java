package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadReport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.stream.Collectors;

/** benchmarks.md: the machine, the method, the headline ratios, every measurement, the targets and the claims. */
public final class BenchReport {
    /** Hand-written analysis appended to the generated report (kept in the jar so re-runs keep it). */
    private static final String ANALYSIS = "/dev/echoport/loadgen/bench/analysis.md";

    private final BenchResults r;
    private final Md md = new Md();

    private BenchReport(BenchResults results) {
        this.r = results;
    }

    static Path write(BenchResults results) throws IOException {
        Path file = results.config().outDir().resolve("benchmarks.md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, render(results), StandardCharsets.UTF_8);
        return file;
    }

    public static String render(BenchResults results) {
        return new BenchReport(results).build();
    }

    private String build() {
        BenchConfig c = r.config();
        MachineInfo m = r.machine();
        md.line("# echoport benchmarks: the I/O models side by side");
        md.line("");
        String args = c.arguments().isEmpty() ? "" : " " + c.arguments();
        md.line("Produced by `bench/run.sh%s` (= `java -jar loadgen/target/loadgen.jar bench%s`) on %s in %.0f s.",
                args, args, m.date(), r.elapsedSeconds());
        if (c.quick()) {
            md.line("**Quick mode**: scaled-down scenarios and %s s runs, to prove the benchmark works; do not quote"
                    + " these numbers.", Md.secs(c.duration().toMillis()));
        }
        c.note().ifPresent(n -> md.line("%n> Note: %s", n));
        md.line("");
        md.line("## Machine");
        md.line("");
        md.line("| cores | memory | CPU | kernel | JDK | Netty | echoport |");
        md.line("|---|---|---|---|---|---|---|");
        md.line("| %d | %s | %s | %s | %s | %s | %s |", m.cores(), m.memory(), m.cpuModel(), m.kernel(), m.jdk(),
                m.netty(), m.echoport());
        md.line("");
        method(c);
        RatioSections ratios = new RatioSections(r, md);
        ratios.headline();
        throughputTable();
        idleTable();
        allTable();
        ratios.ratios();
        ratios.targets();
        new ClaimsSection(r, md, ratios).write();
        protocolCost();
        if (!r.failures().isEmpty()) {
            md.line("## Not measured");
            md.line("");
            r.failures().forEach(f -> md.line("- %s", f));
            md.line("");
        }
        analysis();
        return md.toString();
    }

    private void method(BenchConfig c) {
        md.line("## Method");
        md.line("");
        md.line("- **Servers**, each in its own process on this host, all started up front:");
        md.line("  - **echoport** (`%s`), configured only through `ECHOPORT_TRANSPORT`, `ECHOPORT_PORT`,"
                        + " `ECHOPORT_ADMIN_PORT`, `ECHOPORT_MAX_CONNECTIONS=20000` (and its TLS and UDP listeners"
                        + " on other ports); everything else default: 2 x cores I/O threads, admission, metrics and"
                        + " backpressure on.",
                c.echoportJar().map(Path::toString).orElse("dev.echoport.Main from loadgen's classpath"));
        for (ServerSpec v : c.variants()) {
            md.line("  - **%s**: echoport as above, plus %s.", v.label(), v.describeSettings());
        }
        md.line("  - **canonical** (%s): Netty's example echo server and nothing else (`CanonicalEchoServer`):"
                + " `ctx.write(msg)` on read, `ctx.flush()` on read complete, one `MultiThreadIoEventLoopGroup` with"
                + " Netty's default threads (2 x cores) for accepting and serving, `TCP_NODELAY`, Netty %s defaults"
                + " otherwise. The reference the ratios are taken against.", String.join(", ", c.baselines()),
                r.machine().netty());
        md.line("  - **minimal** (%s, `loadgen echo-server`): the canonical handler on echoport's own transport"
                + " set-up. Beyond the canonical server it has a separate one-thread accept group, writes with a"
                + " void promise, sets `SO_BACKLOG` 1024 and `SO_REUSEADDR`, and goes through echoport's `Transport`,"
                + " which turns io_uring's multishot accept off. The minimal / canonical ratios show what those"
                + " choices cost or save.", String.join(", ", c.baselines()));
        md.line("  - **C epoll** (`bench/c/echo_server.c`, compiled now with `-O2`): one thread per core, each with"
                + " its own epoll and `SO_REUSEPORT` listener, level-triggered, read 64 KiB and write it straight"
                + " back. The limit: what echoing costs with no runtime at all.");
        md.line("  Java servers run with the JVM's default flags.");
        md.line("- **Client**: %s, closed loop (pipeline as listed), every echoed byte checked; %s s warm-up, then"
                        + " %s s measured per scenario and round. The client shares the cores with the server:"
                        + " \"client's busiest loop\" is its CPU share over the measured window (the C client's only"
                        + " thread; the Java client's busiest event loop).", r.client(),
                Md.secs(c.warmup().toMillis()), Md.secs(c.duration().toMillis()));
        md.line("- **Rounds**: %d, after one unrecorded warm-up round (every scenario against every server, so that"
                + " no JVM's JIT compiler is measured). Each round runs every scenario against every server in turn,"
                + " starting the line-up one server later each round, and the tables show the median round by round"
                + " trips/s. Ratios are taken round by round (round i of one server against round i of the other, run"
                + " seconds apart) and given as the median of those per-round ratios with their spread (min-max): a"
                + " burst of noise on this shared machine hits one round of several servers, not every round of one.",
                c.rounds());
        md.line("- **Server CPU us/rt**: the server process's CPU time (user + system, from /proc/PID/stat) over the"
                + " measured window, divided by the round trips completed in it. Throughput partly measures the"
                + " client; CPU per round trip is the efficiency measure least distorted by that.");
        md.line("- **Idle**: connections opened and held, each after one echoed byte; server RSS (VmRSS) and threads"
                + " from /proc, heap after a forced full GC (`jcmd PID GC.run`, `GC.heap_info`), before and after (Java"
                + " servers only).");
        md.line("");
    }

    private void throughputTable() {
        List<String> servers = servers();
        md.line("## Round trips/s (p99 latency in us), every server");
        md.line("");
        md.line("| scenario |%s", servers.stream().map(s -> " " + s + " |").collect(Collectors.joining()));
        md.line("|---|%s", "---:|".repeat(servers.size()));
        for (Scenario s : loadScenarios()) {
            StringBuilder row = new StringBuilder("| " + s.name() + " |");
            for (String server : servers) {
                Optional<BenchResults.LoadRow> lr = r.load(server, s);
                row.append(' ').append(lr.map(x -> String.format(Locale.ROOT, "%s (%s)",
                        Md.count(x.details().report().roundTripsPerSecond()),
                        Md.micros(x.details().report().latency().p99Micros()))).orElse("-")).append(" |");
            }
            md.line("%s", row);
        }
        md.line("");
        md.line("![throughput and p99 vs connections](benchmarks.png)");
        md.line("");
    }

    private void idleTable() {
        if (r.idles().isEmpty()) {
            return;
        }
        md.line("## Idle connections: what each costs the server");
        md.line("");
        md.line("| server | open | heap / conn | RSS / conn | threads / conn | threads at start -> with them open |");
        md.line("|---|---:|---:|---:|---:|---|");
        for (BenchResults.IdleRow i : r.idles()) {
            md.line("| %s | %,d | %s | %s | %.3f | %d -> %d |", i.server(), i.opened(),
                    Md.bytes(i.heapPerConnectionBytes()), Md.bytes(i.rssPerConnectionBytes()),
                    i.threadsPerConnection(), i.threadsAtStart(), i.threadsAfter());
        }
        md.line("");
    }

    private void allTable() {
        md.line("## All load measurements");
        md.line("");
        md.line("| scenario | server | rt/s | rounds' rt/s (min-max) | MB/s each way | p50 | p90 | p99 | p99.9 | max |"
                + " server CPU us/rt | rounds' CPU us/rt (min-max) | server threads | client's busiest loop |"
                + " verified |");
        md.line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (BenchResults.LoadRow x : r.loads()) {
            LoadReport p = x.details().report();
            LoadReport.Latency l = p.latency();
            md.line("| %s | %s | %s | %s | %.1f | %s | %s | %s | %s | %s | %.1f | %s | %d | %.0f%%%s | %s |",
                    x.scenario().name(), x.server(), Md.count(p.roundTripsPerSecond()),
                    range(x.roundRates(), "%,.0f"), p.mbReceivedPerSecond(), Md.micros(l.p50Micros()),
                    Md.micros(l.p90Micros()), Md.micros(l.p99Micros()), Md.micros(l.p999Micros()),
                    Md.micros(l.maxMicros()), x.serverCpuMicrosPerRoundTrip(), range(x.roundCpuMicros(), "%.1f"),
                    x.serverThreads(), x.details().busiestLoop() * 100, p.clientSaturated() ? " (saturated)" : "",
                    verified(x));
        }
        md.line("");
        md.line("Latencies in microseconds. \"verified\": every echoed byte compared with what was sent.");
        md.line("");
    }

    private static String range(List<Double> values, String format) {
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format(Locale.ROOT, format + "-" + format, min, max);
    }

    private void analysis() {
        try (InputStream in = BenchReport.class.getResourceAsStream(ANALYSIS)) {
            if (in != null) {
                md.raw(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            md.line("(analysis notes could not be read: %s)", e.getMessage());
        }
    }

    private List<String> servers() {
        Set<String> s = new LinkedHashSet<>();
        r.loads().forEach(x -> s.add(x.server()));
        return List.copyOf(s);
    }

    private List<Scenario> loadScenarios() {
        return r.config().scenarios().stream().filter(s -> !s.idle()).toList();
    }

    private static String verified(BenchResults.LoadRow x) {
        LoadReport p = x.details().report();
        if (p.clean() && x.details().drained()) {
            return "ok";
        }
        return String.format(Locale.ROOT, "%d mismatches, %d refused, %d resets", p.mismatches(),
                p.connectFailures(), p.resets());
    }

    /**
     * "echoport io_uring: openssl (tls.provider = auto)" per server: tls.provider defaults to auto, which picks OpenSSL
     * only where netty-tcnative loads, so the report names what served rather than assume a provider.
     */
    private String tlsProviders() {
        Map<String, String> byServer = new LinkedHashMap<>();
        r.protocols().forEach(p -> byServer.putIfAbsent(p.server(), p.tlsProvider()));
        return byServer.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                .collect(Collectors.joining("; "));
    }

    /** TCP vs TLS vs UDP on one echoport process (and on each variant). */
    private void protocolCost() {
        if (r.protocols().isEmpty()) {
            return;
        }
        md.line("## TLS and UDP beside plain TCP");
        md.line("");
        md.line("The same echoport process (%s) serves plain TCP, TLS (TLS 1.3, an ECDSA P-256 certificate made for"
                + " the run) and UDP (the per-source rate limit lifted); loadgen's Java client drives each with the"
                + " same shape (`--tls`, `--udp`; UDP: one datagram in flight per socket, a blocking socket per"
                + " thread), every echoed byte verified. After one unrecorded warm-up run of TLS and UDP (their code"
                + " is cold until then), median of %d round%s. The TLS provider, as each server reported it in"
                + " `echoport_tls_provider_info`: %s.",
                r.protocols().stream().map(BenchResults.ProtocolRow::server).distinct()
                        .collect(Collectors.joining(", then ")), r.config().rounds(),
                r.config().rounds() == 1 ? "" : "s", tlsProviders());
        md.line("");
        md.line("| server | shape | protocol | round trips/s | MB/s each way | p50 us | p99 us | server CPU us/rt |"
                + " vs TCP (rt/s) | verified | rounds (rt/s) |");
        md.line("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        for (BenchResults.ProtocolRow p : r.protocols()) {
            OptionalDouble tcp = r.protocols().stream().filter(x -> x.server().equals(p.server())
                    && x.shape().equals(p.shape()) && x.protocol().equals("tcp"))
                    .mapToDouble(BenchResults.ProtocolRow::roundTripsPerSecond).findFirst();
            md.line("| %s | %s | %s | %,.0f | %.1f | %s | %s | %.1f | %s | %s | %s |", p.server(), p.shape(),
                    p.protocol(), p.roundTripsPerSecond(), p.mbPerSecond(), Md.micros(p.p50Micros()),
                    Md.micros(p.p99Micros()), p.serverCpuMicrosPerRoundTrip(),
                    tcp.isPresent() && tcp.getAsDouble() > 0
                            ? String.format(Locale.ROOT, "%.2fx", p.roundTripsPerSecond() / tcp.getAsDouble()) : "-",
                    p.verified() ? "yes" : "**NO**", p.roundRates().stream()
                            .map(x -> String.format(Locale.ROOT, "%,.0f", x)).collect(Collectors.joining(" / ")));
        }
        md.line("");
    }
}
