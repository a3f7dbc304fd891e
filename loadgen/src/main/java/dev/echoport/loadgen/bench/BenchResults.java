package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.RunDetails;

import java.util.List;
import java.util.Optional;

/** Everything one benchmark session measured, in the order it ran. */
public record BenchResults(BenchConfig config, MachineInfo machine, List<LoadRow> loads, List<IdleRow> idles,
        List<String> failures, double elapsedSeconds, List<ProtocolRow> protocols) {

    public BenchResults(BenchConfig config, MachineInfo machine, List<LoadRow> loads, List<IdleRow> idles,
            List<String> failures, double elapsedSeconds) {
        this(config, machine, loads, idles, failures, elapsedSeconds, List.of());
    }

    /**
     * Plain TCP, TLS and UDP echo against the same echoport process, same shape: the median round of one protocol.
     *
     * @param protocol   "tcp", "tls" or "udp"
     * @param shape      "4 x 512 B" etc.
     * @param verified   every echoed byte matched and nothing was lost, reset or refused
     */
    public record ProtocolRow(String transport, String protocol, String shape, double roundTripsPerSecond,
            double mbPerSecond, long p50Micros, long p99Micros, double serverCpuMicrosPerRoundTrip, boolean verified,
            List<Double> roundRates) {
    }

    /** One load scenario against one server: the median round (by round trips/s) and every round's rate. */
    public record LoadRow(ServerKind kind, String transport, Scenario scenario, RunDetails details,
            double serverCpuSeconds, long serverThreads, List<Double> roundRates) {
        /** Server CPU microseconds per round trip: efficiency that a shared, noisy machine does not distort much. */
        public double serverCpuMicrosPerRoundTrip() {
            // The CPU was sampled around warm-up and measured window together: divide by all their round trips.
            long rt = details.report().totalBytesReceived() / scenario.messageSize();
            return rt == 0 ? 0 : serverCpuSeconds * 1e6 / rt;
        }

        public String server() {
            return kind.label() + " " + transport;
        }
    }

    /** Connections held idle against one server: what each costs it. */
    public record IdleRow(ServerKind kind, String transport, int connections, long opened, long rssBeforeKiB,
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
            return kind.label() + " " + transport;
        }
    }

    public Optional<LoadRow> load(ServerKind kind, String transport, Scenario scenario) {
        return loads.stream().filter(r -> r.kind == kind && r.transport.equals(transport)
                && r.scenario.equals(scenario)).findFirst();
    }

    public Optional<IdleRow> idle(ServerKind kind, String transport) {
        return idles.stream().filter(r -> r.kind == kind && r.transport.equals(transport)).findFirst();
    }
}
