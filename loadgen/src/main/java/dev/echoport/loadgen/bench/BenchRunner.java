package dev.echoport.loadgen.bench;

import dev.echoport.transport.Transport;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs every scenario against every server (echoport per transport and variant, Netty's canonical echo and the minimal
 * echo per baseline transport, the C epoll echo), all started up front, in interleaved rounds; then the idle
 * connections and the TLS/UDP rows. Collects the results.
 */
public final class BenchRunner {
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

    /** A server started for the session, with its thread count at start. */
    record Started(ServerSpec spec, ServerProcess process, long threadsAtStart) {
        String label() {
            return spec.label();
        }
    }

    private BenchResults run() throws InterruptedException, IOException {
        MachineInfo machine = MachineInfo.probe();
        List<BenchResults.LoadRow> loads = new ArrayList<>();
        List<BenchResults.IdleRow> idles = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        List<BenchResults.ProtocolRow> protocols = new ArrayList<>();
        Path logDir = Files.createTempDirectory("echoport-bench-");
        ProtocolCost protocolCost = ProtocolCost.create(logDir);
        CTools c = config.cEcho() || config.client().equals("c") ? CTools.build(logDir)
                : CTools.unavailable("not asked for");
        if (!c.available() && (config.cEcho() || config.client().equals("c"))) {
            failures.add("C echo server and C client: skipped, " + c.unavailableReason()
                    + (config.client().equals("c") ? "; loadgen's Java client drives the load instead" : ""));
        }
        ScenarioDriver driver = new ScenarioDriver(config, c);
        note("load driven by %s", driver.clientDescription());
        List<Started> servers = new ArrayList<>();
        try {
            int index = 0;
            for (ServerSpec spec : specs(c, failures)) {
                int port = config.basePort() + 2 * index++;
                note("starting %s on port %d", spec.label(), port);
                try {
                    ServerProcess p = ServerProcess.start(spec, port, port + 1, config.echoportJar(), logDir,
                            spec.kind() == ServerKind.ECHOPORT ? protocolCost.serverProperties(port) : List.of(),
                            c.server());
                    servers.add(new Started(spec, p, ProcStats.status(p.pid(), "Threads")));
                } catch (IOException | RuntimeException e) {
                    failures.add(spec.label() + ": " + e.getMessage());
                    note("FAILED %s: %s", spec.label(), e.getMessage());
                }
            }
            Map<String, List<ScenarioDriver.Measured>> rounds = new LinkedHashMap<>();
            Set<Started> broken = new HashSet<>();
            runRounds(driver, servers, rounds, broken, failures);
            protocols.addAll(new ProtocolRounds(protocolCost, config, this::note).rows(protocolTargets(servers,
                    broken), failures));
            for (Started server : servers) {
                for (Scenario s : config.scenarios()) {
                    List<ScenarioDriver.Measured> m = rounds.get(key(server, s));
                    if (!s.idle() && m != null && !m.isEmpty()) {
                        loads.add(median(server, s, m));
                    }
                }
            }
            for (Started server : servers) {
                for (Scenario s : config.scenarios()) {
                    if (!s.idle()) {
                        continue;
                    }
                    if (server.spec().kind() == ServerKind.C) {
                        continue; // no JVM heap to weigh; its memory per connection is its own code's choice
                    }
                    try {
                        BenchResults.IdleRow row = driver.idle(server.process(), s, server.threadsAtStart());
                        idles.add(row);
                        note("%-22s %-32s %,d open: heap %,.0f B/conn, RSS %,.0f B/conn, %.2f threads/conn",
                                row.server(), s.name(), row.opened(), row.heapPerConnectionBytes(),
                                row.rssPerConnectionBytes(), row.threadsPerConnection());
                    } catch (IOException | RuntimeException e) {
                        failures.add(server.label() + " " + s.name() + ": " + e.getMessage());
                        note("FAILED %s %s: %s", server.label(), s.name(), e.getMessage());
                    }
                }
            }
        } finally {
            for (Started server : servers) {
                server.process().close();
            }
        }
        return new BenchResults(config, machine, loads, idles, failures, elapsed(), protocols,
                driver.clientDescription());
    }

    /** Every server of the session, in the order the report shows them; unavailable ones go to failures. */
    private List<ServerSpec> specs(CTools c, List<String> failures) {
        List<ServerSpec> specs = new ArrayList<>();
        for (String t : config.transports()) {
            if (!available(t, failures)) {
                continue;
            }
            specs.add(ServerSpec.of(ServerKind.ECHOPORT, t));
            if (config.baselines().contains(t)) {
                specs.add(ServerSpec.of(ServerKind.CANONICAL, t));
                specs.add(ServerSpec.of(ServerKind.MINIMAL, t));
            }
        }
        if (config.cEcho() && c.available()) {
            specs.add(ServerSpec.of(ServerKind.C, "epoll"));
        }
        for (ServerSpec v : config.variants()) {
            if (available(v.transport(), failures)) {
                specs.add(v);
            }
        }
        return specs;
    }

    private static boolean available(String t, List<String> failures) {
        Optional<Transport> transport = Transport.byConfigName(t);
        if (transport.isPresent() && transport.get().isAvailable()) {
            return true;
        }
        String skip = t + ": skipped, " + transport.map(Transport::unavailabilityReason).orElse("no such transport");
        if (!failures.contains(skip)) {
            failures.add(skip);
        }
        return false;
    }

    /**
     * Every server is up (idle) at once and the rounds interleave them, so a burst of noise on this shared machine hits
     * one round of several servers, not every round of one. Each round starts the line-up one server later, so no
     * server always runs right after the same neighbour. Round 0 is not recorded: it warms every server's JIT on every
     * scenario first. Without it the first rounds of a JVM server measure its compiler too (profiles showed C2
     * taking a quarter to half of a Java server's CPU in its first seconds under load), and echoport, with more code
     * to compile than the canonical server, paid more of it.
     */
    private void runRounds(ScenarioDriver driver, List<Started> servers,
            Map<String, List<ScenarioDriver.Measured>> rounds, Set<Started> broken, List<String> failures)
            throws InterruptedException {
        note("warm-up round (not recorded): every scenario against every server");
        for (Scenario s : config.scenarios()) {
            for (Started server : s.idle() ? List.<Started>of() : servers) {
                try {
                    driver.measure(server.process(), s);
                } catch (RuntimeException e) {
                    note("warm-up %s %s failed: %s", server.label(), s.name(), e.getMessage());
                }
            }
        }
        for (int round = 1; round <= config.rounds(); round++) {
            note("round %d of %d (load: %s)", round, config.rounds(), MachineInfo.loadAverage());
            for (Scenario s : config.scenarios()) {
                if (s.idle()) {
                    continue;
                }
                for (int i = 0; i < servers.size(); i++) {
                    Started server = servers.get((i + round - 1) % servers.size());
                    if (broken.contains(server)) {
                        continue;
                    }
                    try {
                        ScenarioDriver.Measured m = driver.measure(server.process(), s);
                        rounds.computeIfAbsent(key(server, s), k -> new ArrayList<>()).add(m);
                        note("%s", ScenarioDriver.line(server.label(), s, m));
                    } catch (RuntimeException e) {
                        broken.add(server);
                        failures.add(server.label() + " " + s.name() + ": " + e.getMessage());
                        note("FAILED %s %s: %s", server.label(), s.name(), e.getMessage());
                    }
                }
            }
        }
    }

    /** The echoport server auto would pick (io_uring > epoll > nio), then every variant: each gets TLS/UDP rows. */
    private static List<ServerProcess> protocolTargets(List<Started> servers, Set<Started> broken) {
        List<ServerProcess> targets = new ArrayList<>();
        servers.stream().filter(s -> s.spec().kind() == ServerKind.ECHOPORT && s.spec().variant().isEmpty())
                .filter(s -> !broken.contains(s))
                .min(Comparator.comparingInt(s -> autoRank(s.spec().transport())))
                .ifPresent(s -> targets.add(s.process()));
        servers.stream().filter(s -> s.spec().kind() == ServerKind.ECHOPORT && !s.spec().variant().isEmpty())
                .filter(s -> !broken.contains(s)).forEach(s -> targets.add(s.process()));
        return targets;
    }

    private static int autoRank(String transport) {
        int i = Transport.byConfigName(transport).map(Transport.AUTO_ORDER::indexOf).orElse(-1);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private static String key(Started server, Scenario s) {
        return server.label() + "|" + s.name();
    }

    /** The round with the median throughput stands for the pair; every round's rate and CPU are kept in order. */
    private static BenchResults.LoadRow median(Started server, Scenario s, List<ScenarioDriver.Measured> m) {
        List<ScenarioDriver.Measured> sorted = new ArrayList<>(m);
        sorted.sort(Comparator.comparingDouble(ScenarioDriver.Measured::rate));
        ScenarioDriver.Measured mid = sorted.get(sorted.size() / 2);
        // Any round with an error marks the row: a clean median must not hide a failed round.
        ScenarioDriver.Measured shown = m.stream()
                .filter(x -> !x.details().report().clean() || !x.details().drained()).findFirst().orElse(mid);
        return new BenchResults.LoadRow(server.spec(), s, shown.details(), shown.serverCpuSeconds(),
                shown.serverThreads(), m.stream().map(ScenarioDriver.Measured::rate).toList(),
                m.stream().map(ScenarioDriver.Measured::cpuMicrosPerRoundTrip).toList());
    }

    void note(String format, Object... args) {
        Object[] all = new Object[args.length + 1];
        all[0] = elapsed();
        System.arraycopy(args, 0, all, 1, args.length);
        log.printf(Locale.ROOT, "[%5.1fs] " + format + "%n", all);
        log.flush();
    }

    private double elapsed() {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
