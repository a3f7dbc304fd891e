package dev.echoport.loadgen.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The TLS and UDP rows: for each target echoport server (the one auto would pick, then every variant, so a TLS
 * provider or another setting shows beside the defaults), plain TCP, TLS and UDP with the same shapes, rounds
 * interleaved by protocol like the main scenarios.
 */
final class ProtocolRounds {
    /** Where progress lines go. */
    @FunctionalInterface
    interface Notes {
        void note(String format, Object... args);
    }

    private final ProtocolCost cost;
    private final BenchConfig config;
    private final Notes notes;

    ProtocolRounds(ProtocolCost cost, BenchConfig config, Notes notes) {
        this.cost = cost;
        this.config = config;
        this.notes = notes;
    }

    List<BenchResults.ProtocolRow> rows(List<ServerProcess> targets, List<String> failures)
            throws InterruptedException {
        List<BenchResults.ProtocolRow> rows = new ArrayList<>();
        for (ServerProcess server : targets) {
            rows.addAll(rows(server, failures));
        }
        return rows;
    }

    private List<BenchResults.ProtocolRow> rows(ServerProcess server, List<String> failures)
            throws InterruptedException {
        String label = server.spec().label();
        String tlsProvider = TlsProviderProbe.describe(server);
        notes.note("%s: TLS served by %s", label, tlsProvider);
        Map<String, List<double[]>> rounds = new LinkedHashMap<>();
        // The TCP rounds before warmed the plain path; TLS and UDP code is cold in the server (and the client) until
        // now, and a cold first round measured the JIT (investigation: 1,800 then 11,000 then 36,000 TLS rt/s).
        notes.note("%s: one unrecorded run of each protocol to warm it up", label);
        for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
            for (String protocol : shape.udp() ? List.of("tls", "udp") : List.of("tls")) {
                try {
                    cost.measure(server, protocol, shape, config);
                } catch (RuntimeException e) {
                    notes.note("warm-up %s %s failed: %s", protocol, shape.name(), e.getMessage());
                }
            }
        }
        for (int round = 1; round <= config.rounds(); round++) {
            for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
                for (String protocol : shape.udp() ? List.of("tcp", "tls", "udp") : List.of("tcp", "tls")) {
                    try {
                        double[] m = cost.measure(server, protocol, shape, config);
                        rounds.computeIfAbsent(protocol + "|" + shape.name(), k -> new ArrayList<>()).add(m);
                        notes.note("%-22s %-4s %-32s %,10.0f rt/s  p99 %,7d us  server CPU %5.1f us/rt%s", label,
                                protocol, shape.name(), m[0], (long) m[3], m[4], m[5] == 1 ? "" : "  ERRORS");
                    } catch (RuntimeException e) {
                        failures.add(label + " " + protocol + " " + shape.name() + ": " + e.getMessage());
                        notes.note("FAILED %s %s %s: %s", label, protocol, shape.name(), e.getMessage());
                    }
                }
            }
        }
        List<BenchResults.ProtocolRow> rows = new ArrayList<>();
        for (ProtocolCost.Shape shape : ProtocolCost.SHAPES) {
            for (String protocol : List.of("tcp", "tls", "udp")) {
                List<double[]> m = rounds.get(protocol + "|" + shape.name());
                if (m != null && !m.isEmpty()) {
                    rows.add(ProtocolCost.median(label, tlsProvider, protocol, shape, m));
                }
            }
        }
        return rows;
    }
}
