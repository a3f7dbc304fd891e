package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.LoadSession;
import dev.echoport.loadgen.RunDetails;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Runs every scenario against every server (echoport per transport, the minimal baseline per transport), one server
 * JVM at a time on this host, and collects the results.
 */
public final class BenchRunner {
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(60);

    private final BenchConfig config;
    private final PrintStream log;
    private final long startNanos = System.nanoTime();

    private BenchRunner(BenchConfig config, PrintStream log) {
        this.config = config;
        this.log = log;
    }

    public static BenchResults run(BenchConfig config, PrintStream log) throws InterruptedException, IOException {
        return new BenchRunner(config, log).run();
    }

    private BenchResults run() throws InterruptedException, IOException {
        MachineInfo machine = MachineInfo.probe();
        List<BenchResults.LoadRow> loads = new ArrayList<>();
        List<BenchResults.IdleRow> idles = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<BenchResults.ProtocolRow> protocols = new ArrayList<>();
        Path logDir = Files.createTempDirectory("echoport-bench-");
        ProtocolCost protocolCost = ProtocolCost.create(logDir);
        List<Started> servers = new ArrayList<>();
        try {
            int index = 0;
            for (String t : config.transports()) {
                Optional<Transport> transport = Transport.byConfigName(t);
                if (transport.isEmpty() || !transport.get().isAvailable()) {
                    failures.add(t + ": skipped, " + transport.map(Transport::unavailabilityReason)
                            .orElse("no such transport"));
                    continue;
                }
                List<ServerKind> kinds = config.baselines().contains(t)
                        ? List.of(ServerKind.ECHOPORT, ServerKind.MINIMAL) : List.of(ServerKind.ECHOPORT);
                for (ServerKind kind : kinds) {
                    int port = config.basePort() + 2 * index++;
                    note("starting %s %s on port %d", kind.label(), t, port);
                    try {
                        ServerProcess p = ServerProcess.start(kind, t, port, port + 1, config.echoportJar(), logDir,
                                protocolCost.serverProperties(port));
                        servers.add(new Started(kind, t, p, ProcStats.status(p.pid(), "Threads")));
                    } catch (IOException | RuntimeException e) {
                        failures.add(kind.label() + " " + t + ": " + e.getMessage());
                        note("FAILED %s %s: %s", kind.label(), t, e.getMessage());
                    }
                }
            }
            // Every server is up (idle) at once and the rounds interleave them, so a burst of noise on this
            // shared machine hits one round of several servers, not every round of one: the median round survives.
            Map<String, List<Measured>> rounds = new LinkedHashMap<>();
            Set<Started> broken = new HashSet<>();
            for (int round = 1; round <= config.rounds(); round++) {
                note("round %d of %d", round, config.rounds());
                for (Scenario s : config.scenarios()) {
                    if (s.idle()) {
                        continue;
                    }
                    for (Started server : servers) {
                        if (broken.contains(server)) {
                            continue;
                        }
                        try {
                            rounds.computeIfAbsent(key(server, s), k -> new ArrayList<>()).add(load(server, s));
                        } catch (RuntimeException e) {
                            broken.add(server);
                            failures.add(server.label() + " " + s.name() + ": " + e.getMessage());
                            note("FAILED %s %s: %s", server.label(), s.name(), e.getMessage());
                        }
                    }
                }
            }
            protocols.addAll(protocolRows(protocolCost, servers, broken, failures));
            for (Started server : servers) {
                for (Scenario s : config.scenarios()) {
                    List<Measured> m = rounds.get(key(server, s));
                    if (!s.idle() && m != null && !m.isEmpty()) {
                        loads.add(median(server, s, m));
                    }
                }
            }
            for (Started server : servers) {
                for (Scenario s : config.scenarios()) {
                    if (s.idle()) {
                        try {
                            idles.add(idle(server.process(), server.kind(), server.transport(), s,
                                    server.threadsAtStart()));
                        } catch (IOException | RuntimeException e) {
                            failures.add(server.label() + " " + s.name() + ": " + e.getMessage());
                            note("FAILED %s %s: %s", server.label(), s.name(), e.getMessage());
                        }
                    }
                }
            }
        } finally {
            for (Started server : servers) {
                server.process().close();
            }
        }
        return new BenchResults(config, machine, loads, idles, failures, elapsed(), protocols);
    }

    /**
     * TCP, TLS and UDP against the first echoport server (its transport), rounds interleaved by protocol like the
     * main scenarios.
     */
    private List<BenchResults.ProtocolRow> protocolRows(ProtocolCost cost, List<Started> servers, Set<Started> broken,
            List<String> failures) throws InterruptedException {
        // the transport auto would pick (io_uring > epoll > nio): what a deployment runs
        Optional<Started> target = servers.stream().filter(s -> s.kind() == ServerKind.ECHOPORT)
                .filter(s -> !broken.contains(s))
                .min(Comparator.comparingInt(s -> autoRank(s.transport())));
        if (target.isEmpty()) {
            return List.of();
        }
        Started server = target.get();
        Map<String, List<double[]>> rounds = new LinkedHashMap<>();
        // The TCP rounds before warmed the plain path; TLS and UDP code is cold in the server (and the client) until
        // now, and a cold first round measured the JIT (investigation: 1,800 then 11,000 then 36,000 TLS rt/s).
        note("%s: one unrecorded run of each protocol to warm it up", server.label());
        for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
            for (String protocol : shape.udp() ? List.of("tls", "udp") : List.of("tls")) {
                try {
                    cost.measure(server.process(), protocol, shape, config);
                } catch (RuntimeException e) {
                    note("warm-up %s %s failed: %s", protocol, shape.name(), e.getMessage());
                }
            }
        }
        for (int round = 1; round <= config.rounds(); round++) {
            for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
                for (String protocol : shape.udp() ? List.of("tcp", "tls", "udp") : List.of("tcp", "tls")) {
                    try {
                        double[] m = cost.measure(server.process(), protocol, shape, config);
                        rounds.computeIfAbsent(protocol + "|" + shape.name(), k -> new ArrayList<>()).add(m);
                        note("%-18s %-4s %-32s %,10.0f rt/s  p99 %,7d us  server CPU %5.1f us/rt%s", server.label(),
                                protocol, shape.name(), m[0], (long) m[3], m[4], m[5] == 1 ? "" : "  ERRORS");
                    } catch (RuntimeException e) {
                        failures.add(server.label() + " " + protocol + " " + shape.name() + ": " + e.getMessage());
                        note("FAILED %s %s %s: %s", server.label(), protocol, shape.name(), e.getMessage());
                    }
                }
            }
        }
        List<BenchResults.ProtocolRow> rows = new ArrayList<>();
        for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
            for (String protocol : List.of("tcp", "tls", "udp")) {
                List<double[]> m = rounds.get(protocol + "|" + shape.name());
                if (m != null && !m.isEmpty()) {
                    rows.add(ProtocolCost.median(server.transport(), protocol, shape, m));
                }
            }
        }
        return rows;
    }

    private static int autoRank(String transport) {
        int i = Transport.byConfigName(transport).map(Transport.AUTO_ORDER::indexOf).orElse(-1);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    /** A server started for the session, with its thread count at start. */
    private record Started(ServerKind kind, String transport, ServerProcess process, long threadsAtStart) {
        String label() {
            return kind.label() + " " + transport;
        }
    }

    /** One round of one scenario against one server. */
    private record Measured(RunDetails details, double serverCpuSeconds, long serverThreads) {
        double rate() {
            return details.report().roundTripsPerSecond();
        }
    }

    private static String key(Started server, Scenario s) {
        return server.label() + "|" + s.name();
    }

    /** The round with the median throughput stands for the pair; the others give the spread. */
    private BenchResults.LoadRow median(Started server, Scenario s, List<Measured> m) {
        List<Measured> sorted = new ArrayList<>(m);
        sorted.sort(Comparator.comparingDouble(Measured::rate));
        Measured mid = sorted.get(sorted.size() / 2);
        // Any round with an error marks the row: a clean median must not hide a failed round.
        Measured shown = m.stream().filter(x -> !x.details().report().clean() || !x.details().drained())
                .findFirst().orElse(mid);
        return new BenchResults.LoadRow(server.kind(), server.transport(), s, shown.details(),
                shown.serverCpuSeconds(), shown.serverThreads(), m.stream().map(Measured::rate).toList());
    }

    private Measured load(Started server, Scenario s) throws InterruptedException {
        LoadOptions o = LoadOptions.defaults("127.0.0.1", server.process().port())
                .withConnections(s.connections()).withMessageSize(s.messageSize()).withPipeline(s.pipeline())
                .withWarmup(config.warmup()).withDuration(config.duration())
                .withTransport(config.clientTransport()).withThreads(config.clientThreads());
        long pid = server.process().pid();
        try (LoadSession session = new LoadSession(o)) {
            session.open();
            double cpuBefore = ProcStats.cpuSeconds(pid);
            RunDetails d = session.drive(null);
            double cpu = ProcStats.cpuSeconds(pid) - cpuBefore;
            long threads = ProcStats.status(pid, "Threads");
            LoadReport r = d.report();
            double cpuPerRt = cpu * 1e6 / Math.max(1, r.totalBytesReceived() / s.messageSize());
            note("%-18s %-32s %,10.0f rt/s  p99 %,7d us  server CPU %5.1f us/rt%s%s", server.label(), s.name(),
                    r.roundTripsPerSecond(), r.latency().p99Micros(), cpuPerRt,
                    r.clientSaturated() ? "  CLIENT SATURATED" : "",
                    r.clean() ? "" : "  ERRORS: " + d.firstError());
            return new Measured(d, cpu, threads);
        }
    }

    private BenchResults.IdleRow idle(ServerProcess server, ServerKind kind, String t, Scenario s, long threadsAtStart)
            throws InterruptedException, IOException {
        long pid = server.pid();
        long heapBefore = ProcStats.heapAfterGcKiB(pid);
        long rssBefore = ProcStats.status(pid, "VmRSS");
        long threadsBefore = ProcStats.status(pid, "Threads");
        LoadOptions o = LoadOptions.defaults("127.0.0.1", server.port()).withConnections(s.connections())
                .withMessageSize(1).withTransport(config.clientTransport()).withThreads(config.clientThreads());
        try (LoadSession session = new LoadSession(o)) {
            session.open();
            // One echoed byte per connection: each is admitted and has passed through the whole pipeline once.
            if (!session.pingAll(PING_TIMEOUT)) {
                throw new IOException(s.connections() + " idle connections: not every ping came back within "
                        + PING_TIMEOUT.toSeconds() + " s");
            }
            long heapAfter = ProcStats.heapAfterGcKiB(pid);
            long rssAfter = ProcStats.status(pid, "VmRSS");
            long threadsAfter = ProcStats.status(pid, "Threads");
            BenchResults.IdleRow row = new BenchResults.IdleRow(kind, t, s.connections(),
                    session.aliveConnections(), rssBefore, rssAfter, heapBefore, heapAfter, threadsAtStart,
                    threadsBefore, threadsAfter);
            note("%-18s %-32s %,d open: heap %,.0f B/conn, RSS %,.0f B/conn, %.2f threads/conn", row.server(),
                    s.name(), row.opened(), row.heapPerConnectionBytes(), row.rssPerConnectionBytes(),
                    row.threadsPerConnection());
            return row;
        }
    }

    private void note(String format, Object... args) {
        log.printf(Locale.ROOT, "[%5.1fs] " + format + "%n", prepend(elapsed(), args));
        log.flush();
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
