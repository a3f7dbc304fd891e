package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.RunDetails;

import java.util.List;
import java.util.Optional;

/**
 * Everything one benchmark session measured, in the order it ran.
 *
 * @param client what drove the load scenarios (the C client, or loadgen's Java client and why)
 */
public record BenchResults(BenchConfig config, MachineInfo machine, List<LoadRow> loads, List<IdleRow> idles,
        List<String> failures, double elapsedSeconds, List<ProtocolRow> protocols, String client) {

    /**
     * Plain TCP, TLS and UDP echo against the same echoport process, same shape: the median round of one protocol.
     *
     * @param server     the echoport server's label ("echoport io_uring", or a variant's)
     * @param protocol   "tcp", "tls" or "udp"
     * @param shape      "4 x 512 B" etc.
     * @param verified   every echoed byte matched and nothing was lost, reset or refused
     * @param tlsProvider the provider serving the server's TLS listener, as it reported it ("openssl (tls.provider =
     *                    auto)"); the same on each of the server's rows
     */
    public record ProtocolRow(String server, String protocol, String shape, double roundTripsPerSecond,
            double mbPerSecond, long p50Micros, long p99Micros, double serverCpuMicrosPerRoundTrip, boolean verified,
            List<Double> roundRates, String tlsProvider) {
    }

    /**
     * One load scenario against one server: the median round (by round trips/s), and every round's rate and CPU per
     * round trip in round order (round i of two rows ran side by side, so their ratio is a per-round ratio).
     *
     * @param serverCpuSeconds the server's user + system CPU time over the median round's measured window
     */
    public record LoadRow(ServerSpec spec, Scenario scenario, RunDetails details, double serverCpuSeconds,
            long serverThreads, List<Double> roundRates, List<Double> roundCpuMicros) {
        /** Server CPU microseconds per round trip of the measured window. */
        public double serverCpuMicrosPerRoundTrip() {
            return cpuMicrosPerRoundTrip(serverCpuSeconds, details.report().roundTrips());
        }

        public String server() {
            return spec.label();
        }

        public ServerKind kind() {
            return spec.kind();
        }

        public String transport() {
            return spec.transport();
        }
    }

    static double cpuMicrosPerRoundTrip(double cpuSeconds, long roundTrips) {
        return roundTrips <= 0 ? 0 : cpuSeconds * 1e6 / roundTrips;
    }

    /** Connections held idle against one server: what each costs it. */
    public record IdleRow(ServerSpec spec, int connections, long opened, long rssBeforeKiB,
            long rssAfterKiB, long heapBeforeKiB, long heapAfterKiB, long threadsAtStart, long threadsBefore,
            long threadsAfter) {
        public double rssPerConnectionBytes() {
            return opened == 0 ? 0 : (rssAfterKiB - rssBeforeKiB) * 1024.0 / opened;
        }

        public double heapPerConnectionBytes() {
            return opened == 0 ? 0 : (heapAfterKiB - heapBeforeKiB) * 1024.0 / opened;
        }

        /**
         * Threads added per connection, counted from the server's start: a thread-per-connection server keeps the
         * threads of earlier scenarios' connections pooled, so "just before" would under-count.
         */
        public double threadsPerConnection() {
            return opened == 0 ? 0 : (threadsAfter - threadsAtStart) / (double) opened;
        }

        public String server() {
            return spec.label();
        }
    }

    public Optional<LoadRow> load(String server, Scenario scenario) {
        return loads.stream().filter(r -> r.server().equals(server) && r.scenario.equals(scenario)).findFirst();
    }

    public Optional<IdleRow> idle(String server) {
        return idles.stream().filter(r -> r.server().equals(server)).findFirst();
    }
}
