package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadReport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/** benchmarks.md: the machine, every measurement, the ratios, the targets and what the Winsock claims came to. */
public final class BenchReport {
    /** Hand-written analysis appended to the generated report (kept in the jar so re-runs keep it). */
    private static final String ANALYSIS = "/dev/echoport/loadgen/bench/analysis.md";

    private final BenchResults r;
    private final StringBuilder md = new StringBuilder();

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
        line("# echoport benchmarks: the I/O models side by side");
        line("");
        line("Produced by `bench/run.sh%s` (= `java -jar loadgen/target/loadgen.jar bench%s`) on %s in %.0f s.",
                c.quick() ? " --quick" : "", c.quick() ? " --quick" : "", m.date(), r.elapsedSeconds());
        if (c.quick()) {
            line("**Quick mode**: scaled-down scenarios and %s s runs, to prove the benchmark works; do not quote"
                    + " these numbers.", secs(c.duration().toMillis()));
        }
        c.note().ifPresent(n -> line("%n> Note: %s", n));
        line("");
        line("## Machine");
        line("");
        line("| cores | memory | CPU | kernel | JDK | Netty | echoport |");
        line("|---|---|---|---|---|---|---|");
        line("| %d | %s | %s | %s | %s | %s | %s |", m.cores(), m.memory(), m.cpuModel(), m.kernel(), m.jdk(),
                m.netty(), m.echoport());
        line("");
        line("## Method");
        line("");
        line("- **Servers**, each in its own JVM, one at a time, on this host: echoport (`%s`, configured only through"
                        + " `ECHOPORT_TRANSPORT`, `ECHOPORT_PORT`, `ECHOPORT_ADMIN_PORT`, `ECHOPORT_MAX_CONNECTIONS=20000`;"
                        + " everything else default: 2 x cores I/O threads, admission and metrics on) and the minimal"
                        + " Netty echo server (`loadgen echo-server`: write on read, flush on read-complete, nothing"
                        + " else; also 2 x cores I/O threads) on %s. Both with the JVM's default flags.",
                c.echoportJar().map(Path::toString).orElse("dev.echoport.Main from loadgen's classpath"),
                String.join(" and ", c.baselines()));
        line("- **Client**: loadgen on %s with %s event-loop threads, closed loop (pipeline as listed), every echoed"
                        + " byte verified; %s s warm-up, then %s s measured per scenario and round.",
                c.clientTransport(), c.clientThreads() == 0 ? "one per core" : String.valueOf(c.clientThreads()),
                secs(c.warmup().toMillis()), secs(c.duration().toMillis()));
        line("- **Rounds**: all servers are started up front and wait idle while another is measured. Each of %d"
                + " round%s runs every scenario against every server in turn, and the table shows the median round by"
                + " round trips/s, with the spread over all rounds. Interleaving means a burst of noise on this shared"
                + " machine hits one round of several servers, not every round of one.", c.rounds(),
                c.rounds() == 1 ? "" : "s");
        line("- **Server CPU us/rt**: the server process's CPU time (user + system, from /proc) per round trip."
                + " Client and server share the cores, so throughput partly measures the client; CPU per round trip"
                + " is the efficiency measure least distorted by that.");
        line("- **Idle**: connections opened and held, each after one echoed byte; server RSS (VmRSS) and threads from"
                + " /proc, heap after a forced full GC (`jcmd PID GC.run`, `GC.heap_info`), before and after.");
        line("");
        headline();
        idleTable();
        allTable();
        ratios();
        targets();
        claims();
        protocolCost();
        if (!r.failures().isEmpty()) {
            line("## Not measured");
            line("");
            r.failures().forEach(f -> line("- %s", f));
            line("");
        }
        analysis();
        return md.toString();
    }

    // --- sections ---

    private void headline() {
        List<String> servers = servers();
        line("## Headline: round trips/s (p99 latency)");
        line("");
        StringBuilder h = new StringBuilder("| scenario |");
        StringBuilder sep = new StringBuilder("|---|");
        for (String s : servers) {
            h.append(' ').append(s).append(" |");
            sep.append("---:|");
        }
        line("%s", h);
        line("%s", sep);
        for (Scenario s : loadScenarios()) {
            StringBuilder row = new StringBuilder("| " + s.name() + " |");
            for (String server : servers) {
                Optional<BenchResults.LoadRow> lr = row(server, s);
                row.append(' ').append(lr.map(x -> String.format(Locale.ROOT, "%s (%s)",
                        count(x.details().report().roundTripsPerSecond()),
                        micros(x.details().report().latency().p99Micros()))).orElse("-")).append(" |");
            }
            line("%s", row);
        }
        line("");
        line("![throughput and p99 vs connections](benchmarks.png)");
        line("");
    }

    private void idleTable() {
        if (r.idles().isEmpty()) {
            return;
        }
        line("## Idle connections: what each costs the server");
        line("");
        line("| server | open | heap / conn | RSS / conn | threads / conn | threads at start -> with them open |");
        line("|---|---:|---:|---:|---:|---|");
        for (BenchResults.IdleRow i : r.idles()) {
            line("| %s | %,d | %s | %s | %.3f | %d -> %d |", i.server(), i.opened(), bytes(i.heapPerConnectionBytes()),
                    bytes(i.rssPerConnectionBytes()), i.threadsPerConnection(), i.threadsAtStart(), i.threadsAfter());
        }
        line("");
    }

    private void allTable() {
        line("## All load measurements");
        line("");
        line("| scenario | server | rt/s | rounds' rt/s (min-max) | MB/s each way | p50 | p90 | p99 | p99.9 | max |"
                + " server CPU us/rt | server threads | client busiest loop | verified |");
        line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (BenchResults.LoadRow x : r.loads()) {
            LoadReport p = x.details().report();
            LoadReport.Latency l = p.latency();
            line("| %s | %s | %s | %s-%s | %.1f | %s | %s | %s | %s | %s | %.1f | %d | %.0f%%%s | %s |",
                    x.scenario().name(), x.server(), count(p.roundTripsPerSecond()),
                    count(x.roundRates().stream().mapToDouble(Double::doubleValue).min().orElse(0)),
                    count(x.roundRates().stream().mapToDouble(Double::doubleValue).max().orElse(0)),
                    p.mbReceivedPerSecond(), micros(l.p50Micros()),
                    micros(l.p90Micros()), micros(l.p99Micros()), micros(l.p999Micros()), micros(l.maxMicros()),
                    x.serverCpuMicrosPerRoundTrip(), x.serverThreads(), x.details().busiestLoop() * 100,
                    p.clientSaturated() ? " (saturated)" : "", verified(x));
        }
        line("");
        line("Latencies in microseconds. \"verified\": every echoed byte compared with what was sent.");
        line("");
    }

    private void ratios() {
        line("## Ratios (measured side by side in this run)");
        line("");
        line("Each cell: first / second in round trips/s (> 1: the first is faster), then first / second in server"
                + " CPU per round trip (< 1: the first is cheaper). On this shared machine, 0.85-1.15x is a tie.");
        line("");
        List<String[]> pairs = new ArrayList<>();
        for (String t : r.config().baselines()) {
            pairs.add(new String[]{"echoport " + t, "minimal " + t});
        }
        pairs.add(new String[]{"echoport io_uring", "echoport epoll"});
        pairs.add(new String[]{"echoport nio", "echoport epoll"});
        pairs.add(new String[]{"echoport oio", "echoport epoll"});
        pairs.add(new String[]{"echoport oio", "echoport nio"});
        line("| scenario | %s |", String.join(" | ", pairs.stream().map(p -> p[0] + " / " + p[1]).toList()));
        line("|---|%s", "---:|".repeat(pairs.size()));
        for (Scenario s : loadScenarios()) {
            StringBuilder row = new StringBuilder("| " + s.name() + " |");
            for (String[] p : pairs) {
                OptionalDouble rt = ratio(p[0], p[1], s, x -> x.details().report().roundTripsPerSecond());
                OptionalDouble cpu = ratio(p[0], p[1], s, BenchResults.LoadRow::serverCpuMicrosPerRoundTrip);
                row.append(rt.isPresent() ? String.format(Locale.ROOT, " %.2fx rt/s, %.2fx CPU |", rt.getAsDouble(),
                        cpu.orElse(Double.NaN)) : " - |");
            }
            line("%s", row);
        }
        line("");
    }

    private void targets() {
        line("## Targets");
        line("");
        for (String t : List.of("epoll", "io_uring")) {
            List<String> parts = new ArrayList<>();
            double worst = Double.MAX_VALUE;
            for (Scenario s : loadScenarios()) {
                OptionalDouble q = ratio("echoport " + t, "minimal " + t, s,
                        x -> x.details().report().roundTripsPerSecond());
                if (q.isPresent()) {
                    worst = Math.min(worst, q.getAsDouble());
                    parts.add(String.format(Locale.ROOT, "%s %.2fx", s.name(), q.getAsDouble()));
                }
            }
            if (parts.isEmpty()) {
                line("- echoport %s >= 0.9x minimal Netty on %s: not measured.", t, t);
            } else {
                line("- %s echoport %s >= 0.9x minimal Netty on %s: %s.", mark(worst >= 0.9), t, t,
                        String.join(", ", parts));
            }
        }
        Optional<Scenario> many = manyConnections();
        OptionalDouble ue = many.map(s -> ratio("echoport io_uring", "echoport epoll", s,
                x -> x.details().report().roundTripsPerSecond())).orElse(OptionalDouble.empty());
        line("- %s io_uring >= epoll on %s: %s.", ue.isPresent() ? mark(ue.getAsDouble() >= 1.0) : "n/a",
                many.map(Scenario::name).orElse("-"), ue.isPresent()
                        ? String.format(Locale.ROOT, "%.2fx", ue.getAsDouble()) : "not measured");
        for (String t : List.of("epoll", "io_uring")) {
            r.idle(ServerKind.ECHOPORT, t).ifPresent(i -> line("- %s heap per idle connection <= 4 KiB on %s: %s.",
                    mark(i.heapPerConnectionBytes() <= 4096), t, bytes(i.heapPerConnectionBytes())));
        }
        line("");
    }

    private void claims() {
        line("## The Winsock textbooks' claims, measured");
        line("");
        Optional<Scenario> many = manyConnections();
        String manyName = many.map(Scenario::name).orElse("many connections");
        ToDoubleFunction<BenchResults.LoadRow> rts = x -> x.details().report().roundTripsPerSecond();

        line("**1. \"Thread per connection wastes resources.\"**");
        Optional<BenchResults.IdleRow> oio = r.idle(ServerKind.ECHOPORT, "oio");
        Optional<BenchResults.IdleRow> epoll = r.idle(ServerKind.ECHOPORT, "epoll");
        if (oio.isPresent() && epoll.isPresent()) {
            BenchResults.IdleRow o = oio.get();
            BenchResults.IdleRow e = epoll.get();
            line("Idle, oio used %.2f threads and %s of RSS per connection (%s of heap); epoll %.3f threads and %s"
                            + " RSS (%s heap): %s the memory per connection.",
                    o.threadsPerConnection(), bytes(o.rssPerConnectionBytes()), bytes(o.heapPerConnectionBytes()),
                    e.threadsPerConnection(), bytes(e.rssPerConnectionBytes()), bytes(e.heapPerConnectionBytes()),
                    times(o.rssPerConnectionBytes(), e.rssPerConnectionBytes()));
        }
        OptionalDouble oioMany = many.map(s -> ratio("echoport oio", "echoport epoll", s, rts))
                .orElse(OptionalDouble.empty());
        many.ifPresent(s -> {
            OptionalDouble cpu = ratio("echoport oio", "echoport epoll", s,
                    BenchResults.LoadRow::serverCpuMicrosPerRoundTrip);
            if (oioMany.isPresent()) {
                line("Under load (%s) oio served %.2fx epoll's round trips/s at %.2fx its CPU per round trip.",
                        manyName, oioMany.getAsDouble(), cpu.orElse(Double.NaN));
            }
        });
        OptionalDouble oioOne = single().map(s -> ratio("echoport oio", "echoport epoll", s, rts))
                .orElse(OptionalDouble.empty());
        boolean memoryWaste = oio.isPresent() && epoll.isPresent() && oio.get().threadsPerConnection() >= 0.9
                && oio.get().rssPerConnectionBytes() >= 2 * epoll.get().rssPerConnectionBytes();
        if (oio.isPresent() && epoll.isPresent()) {
            line("Verdict: **%s** for memory and threads%s%s", memoryWaste ? "confirmed" : "not confirmed",
                    oioMany.isPresent() ? String.format(Locale.ROOT, ", %s for throughput with many connections"
                            + " (%.2fx)", verdict(oioMany.getAsDouble(), false), oioMany.getAsDouble()) : "",
                    oioOne.isPresent() ? String.format(Locale.ROOT, "; with a single connection a dedicated"
                            + " blocking thread was %s (%.2fx epoll).", oioOne.getAsDouble() >= 0.85
                            ? "no worse" : "slower too", oioOne.getAsDouble()) : ".");
        }
        line("");

        line("**2. \"select is the least efficient model.\"** Java's `nio` selector is the `select`/`WSAEventSelect`"
                + " model, but on Linux the JDK implements it with epoll, so it does not pay select(2)'s O(n) scan.");
        many.ifPresent(s -> {
            OptionalDouble ne = ratio("echoport nio", "echoport epoll", s, rts);
            OptionalDouble no = ratio("echoport nio", "echoport oio", s, rts);
            OptionalDouble cpu = ratio("echoport nio", "echoport epoll", s,
                    BenchResults.LoadRow::serverCpuMicrosPerRoundTrip);
            if (ne.isPresent()) {
                line("On %s nio served %.2fx epoll's round trips/s (%.2fx its CPU per round trip)%s.", manyName,
                        ne.getAsDouble(), cpu.orElse(Double.NaN), no.isPresent()
                                ? String.format(Locale.ROOT, " and %.2fx oio's", no.getAsDouble()) : "");
                boolean nioLeast = ne.getAsDouble() < 0.85 && (no.isEmpty() || no.getAsDouble() < 1);
                line("Verdict: **%s**: %s", nioLeast ? "confirmed" : "not borne out here", nioLeast
                        ? "the selector model was the slowest measured."
                        : "the JDK selector is " + verdict(ne.getAsDouble(), true) + " native epoll, and the least"
                        + " efficient model measured was thread-per-connection"
                        + (no.isPresent() ? String.format(Locale.ROOT, " (nio %.2fx oio)", no.getAsDouble()) : "")
                        + ".");
            }
        });
        line("");

        line("**3. \"Completion ports with one or two worker threads serve thousands of connections best.\"**"
                + " io_uring is Linux's completion model; echoport runs it, like every transport, with 2 x cores"
                + " event loops (here %d), each owning its connections.", 2 * r.machine().cores());
        many.ifPresent(s -> {
            OptionalDouble q = ratio("echoport io_uring", "echoport epoll", s, rts);
            OptionalDouble cpu = ratio("echoport io_uring", "echoport epoll", s,
                    BenchResults.LoadRow::serverCpuMicrosPerRoundTrip);
            if (q.isPresent()) {
                line("On %s io_uring served %.2fx epoll's round trips/s at %.2fx its CPU per round trip.", manyName,
                        q.getAsDouble(), cpu.orElse(Double.NaN));
                line("Verdict: **%s**: completion was %s readiness with thousands of connections on few threads,"
                                + " and both served them with a handful of threads where oio needed one each.",
                        q.getAsDouble() >= 1.15 ? "confirmed" : q.getAsDouble() >= 0.85 ? "a tie here"
                                : "not confirmed", verdict(q.getAsDouble(), true));
            }
        });
        Optional<BenchResults.IdleRow> uring = r.idle(ServerKind.ECHOPORT, "io_uring");
        uring.ifPresent(u -> line("Idle, io_uring held %,d connections with %d threads in all (%s heap per"
                + " connection).", u.opened(), u.threadsAfter(), bytes(u.heapPerConnectionBytes())));
        line("");
    }

    private void analysis() {
        try (InputStream in = BenchReport.class.getResourceAsStream(ANALYSIS)) {
            if (in != null) {
                md.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            line("(analysis notes could not be read: %s)", e.getMessage());
        }
    }

    // --- helpers ---

    /** How a ratio reads on a machine this noisy: within 0.85-1.15x is a tie. */
    private static String verdict(double ratio, boolean comparative) {
        if (ratio >= 1.15) {
            return comparative ? String.format(Locale.ROOT, "ahead of (%.2fx)", ratio) : "not confirmed";
        }
        if (ratio >= 0.85) {
            return comparative ? String.format(Locale.ROOT, "level with (%.2fx)", ratio) : "a tie";
        }
        return comparative ? String.format(Locale.ROOT, "behind (%.2fx)", ratio) : "confirmed";
    }

    private Optional<Scenario> single() {
        return loadScenarios().stream().filter(s -> s.connections() == 1).findFirst();
    }

    private List<String> servers() {
        Set<String> s = new LinkedHashSet<>();
        r.loads().forEach(x -> s.add(x.server()));
        return List.copyOf(s);
    }

    private List<Scenario> loadScenarios() {
        return r.config().scenarios().stream().filter(s -> !s.idle()).toList();
    }

    private Optional<Scenario> manyConnections() {
        return loadScenarios().stream().filter(Scenario::inConnectionSweep)
                .max((a, b) -> Integer.compare(a.connections(), b.connections()));
    }

    private Optional<BenchResults.LoadRow> row(String server, Scenario s) {
        return r.loads().stream().filter(x -> x.server().equals(server) && x.scenario().equals(s)).findFirst();
    }

    private OptionalDouble ratio(String a, String b, Scenario s, ToDoubleFunction<BenchResults.LoadRow> f) {
        Optional<BenchResults.LoadRow> x = row(a, s);
        Optional<BenchResults.LoadRow> y = row(b, s);
        if (x.isEmpty() || y.isEmpty() || f.applyAsDouble(y.get()) <= 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(f.applyAsDouble(x.get()) / f.applyAsDouble(y.get()));
    }

    private static String verified(BenchResults.LoadRow x) {
        LoadReport p = x.details().report();
        if (p.clean() && x.details().drained()) {
            return "ok";
        }
        return String.format(Locale.ROOT, "%d mismatches, %d refused, %d resets", p.mismatches(),
                p.connectFailures(), p.resets());
    }

    private static String mark(boolean ok) {
        return ok ? "**met**" : "**missed**";
    }

    private static String times(double a, double b) {
        return b <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1fx", a / b);
    }

    private static String count(double d) {
        return String.format(Locale.ROOT, "%,.0f", d);
    }

    private static String micros(long us) {
        return String.format(Locale.ROOT, "%,d", us);
    }

    static String bytes(double b) {
        return Math.abs(b) >= 10 * 1024 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024)
                : String.format(Locale.ROOT, "%,.0f B", b);
    }

    private static String secs(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    /** TCP vs TLS vs UDP on one echoport process. */
    private void protocolCost() {
        if (r.protocols().isEmpty()) {
            return;
        }
        line("## TLS and UDP beside plain TCP");
        line("");
        line("The same echoport process (echoport %s) serves plain TCP, TLS (JDK provider, TLS 1.3, an ECDSA P-256"
                + " certificate made for the run) and UDP (the per-source rate limit lifted); loadgen drives each with"
                + " the same shape (`--tls`, `--udp`; UDP: one datagram in flight per socket, a blocking socket per"
                + " thread), every echoed byte verified. After one unrecorded warm-up run of TLS and UDP (their code is cold until then),"
                + " median of %d round%s.", r.protocols().get(0).transport(),
                r.config().rounds(), r.config().rounds() == 1 ? "" : "s");
        line("");
        line("| shape | protocol | round trips/s | MB/s each way | p50 us | p99 us | server CPU us/rt | vs TCP (rt/s)"
                + " | verified | rounds (rt/s) |");
        line("|---|---|---:|---:|---:|---:|---:|---:|---|---|");
        for (BenchResults.ProtocolRow p : r.protocols()) {
            OptionalDouble tcp = r.protocols().stream().filter(x -> x.shape().equals(p.shape())
                    && x.protocol().equals("tcp")).mapToDouble(BenchResults.ProtocolRow::roundTripsPerSecond)
                    .findFirst();
            line("| %s | %s | %,.0f | %.1f | %s | %s | %.1f | %s | %s | %s |", p.shape(), p.protocol(),
                    p.roundTripsPerSecond(), p.mbPerSecond(), micros(p.p50Micros()), micros(p.p99Micros()),
                    p.serverCpuMicrosPerRoundTrip(),
                    tcp.isPresent() && tcp.getAsDouble() > 0
                            ? String.format(Locale.ROOT, "%.2fx", p.roundTripsPerSecond() / tcp.getAsDouble()) : "-",
                    p.verified() ? "yes" : "**NO**", p.roundRates().stream().map(x -> String.format(Locale.ROOT, "%,.0f", x))
                            .collect(java.util.stream.Collectors.joining(" / ")));
        }
        line("");
    }

    private void line(String format, Object... args) {
        md.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
