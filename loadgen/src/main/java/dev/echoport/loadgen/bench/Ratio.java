package dev.echoport.loadgen.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A ratio between two servers measured side by side: round i of one against round i of the other (they ran within
 * seconds of each other, so a burst of noise on a shared machine hits both), the median of those per-round ratios and
 * their spread (min-max). The spread says how far one round could be trusted; the median is what the report quotes.
 */
record Ratio(double median, double min, double max, int rounds) {

    /** The per-round ratios a[i] / b[i] over the rounds both have; empty when there are none. */
    static Optional<Ratio> of(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (b.get(i) > 0 && a.get(i) > 0) {
                r.add(a.get(i) / b.get(i));
            }
        }
        if (r.isEmpty()) {
            return Optional.empty();
        }
        List<Double> sorted = new ArrayList<>(r);
        sorted.sort(Double::compare);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return Optional.of(new Ratio(median, sorted.get(0), sorted.get(n - 1), n));
    }

    /** Round trips/s of a over b, per round. */
    static Optional<Ratio> throughput(BenchResults.LoadRow a, BenchResults.LoadRow b) {
        return of(a.roundRates(), b.roundRates());
    }

    /** Server CPU per round trip of a over b, per round. */
    static Optional<Ratio> cpu(BenchResults.LoadRow a, BenchResults.LoadRow b) {
        return of(a.roundCpuMicros(), b.roundCpuMicros());
    }

    /** "0.98x (0.95-1.01)"; one round: "0.98x". */
    String text() {
        return rounds == 1 ? String.format(Locale.ROOT, "%.2fx", median)
                : String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)", median, min, max);
    }
}
