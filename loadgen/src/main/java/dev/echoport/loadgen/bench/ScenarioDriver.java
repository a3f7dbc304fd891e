package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.LoadSession;
import dev.echoport.loadgen.RunDetails;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * Runs one round of one scenario against one server with the session's client (the C client, or loadgen's Java
 * client), and weighs idle connections. The server's CPU time is read at the edges of the measured window, so CPU per
 * round trip covers exactly the round trips counted.
 */
final class ScenarioDriver {
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(60);

    private final BenchConfig config;
    private final CTools c;
    private final boolean cClient;

    ScenarioDriver(BenchConfig config, CTools c) {
        this.config = config;
        this.c = c;
        this.cClient = config.client().equals("c") && c.available();
    }

    /** One round of one scenario against one server. */
    record Measured(RunDetails details, double serverCpuSeconds, long serverThreads) {
        double rate() {
            return details.report().roundTripsPerSecond();
        }

        double cpuMicrosPerRoundTrip() {
            return BenchResults.cpuMicrosPerRoundTrip(serverCpuSeconds, details.report().roundTrips());
        }
    }

    /** "the C client (one thread, epoll)" or "loadgen's Java client on epoll". */
    String clientDescription() {
        return cClient ? "the C load client (bench/c/echo_client.c: one thread, epoll)"
                : "loadgen's Java client on " + config.clientTransport();
    }

    boolean usesCClient() {
        return cClient;
    }

    Measured measure(ServerProcess server, Scenario s) throws InterruptedException {
        long pid = server.pid();
        if (cClient) {
            try {
                CLoadClient.Result r = CLoadClient.run(c.client(), server.port(), s, config.warmup(),
                        config.duration(), pid);
                return new Measured(r.details(), r.serverCpuSeconds(), ProcStats.status(pid, "Threads"));
            } catch (IOException e) {
                throw new IllegalStateException("C client: " + e.getMessage(), e);
            }
        }
        LoadOptions o = LoadOptions.defaults("127.0.0.1", server.port())
                .withConnections(s.connections()).withMessageSize(s.messageSize()).withPipeline(s.pipeline())
                .withWarmup(config.warmup()).withDuration(config.duration())
                .withTransport(config.clientTransport()).withThreads(config.clientThreads());
        try (LoadSession session = new LoadSession(o)) {
            session.open();
            CpuWindow window = new CpuWindow(pid);
            RunDetails d = session.drive(null, window);
            return new Measured(d, window.seconds(), ProcStats.status(pid, "Threads"));
        }
    }

    /** Connections opened and held, each after one echoed byte: what they cost the server. */
    BenchResults.IdleRow idle(ServerProcess server, Scenario s, long threadsAtStart)
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
            return new BenchResults.IdleRow(server.spec(), s.connections(), session.aliveConnections(), rssBefore,
                    rssAfter, heapBefore, heapAfter, threadsAtStart, threadsBefore, threadsAfter);
        }
    }

    static String line(String server, Scenario s, Measured m) {
        LoadReport r = m.details().report();
        return String.format(Locale.ROOT, "%-22s %-32s %,10.0f rt/s  p99 %,7d us  server CPU %5.1f us/rt"
                        + "  client %3.0f%%%s%s", server, s.name(), r.roundTripsPerSecond(), r.latency().p99Micros(),
                m.cpuMicrosPerRoundTrip(), m.details().busiestLoop() * 100,
                r.clientSaturated() ? "  CLIENT SATURATED" : "",
                r.clean() && m.details().drained() ? "" : "  ERRORS: " + m.details().firstError());
    }
}
