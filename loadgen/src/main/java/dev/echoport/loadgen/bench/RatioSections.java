package dev.echoport.loadgen.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The sections of benchmarks.md that compare servers: the headline (echoport against Netty's canonical echo and the
 * C epoll echo), every pair's ratios, and the targets of the performance issue. Every ratio is the median of the
 * per-round ratios with their spread ({@link Ratio}).
 */
final class RatioSections {
    private static final String C_EPOLL = "C epoll";

    private final BenchResults r;
    private final Md md;

    RatioSections(BenchResults r, Md md) {
        this.r = r;
        this.md = md;
    }

    void headline() {
        List<String[]> pairs = new ArrayList<>();
        for (String t : r.config().baselines()) {
            pairs.add(new String[]{"echoport " + t, "canonical " + t});
        }
        for (String t : r.config().baselines()) {
            pairs.add(new String[]{"echoport " + t, C_EPOLL});
        }
        pairs.removeIf(p -> !measured(p[0]) || !measured(p[1]));
        md.line("## Headline: echoport against Netty's canonical echo and a C epoll echo");
        md.line("");
        if (pairs.isEmpty()) {
            md.line("Not measured: the canonical and C servers did not run (see \"Not measured\").");
            md.line("");
            return;
        }
        md.line("Each cell: echoport's round trips/s over the other server's, then its server CPU per round trip over"
                + " the other's; median of the %d per-round ratios, with their spread (min-max). Rates above 1x and"
                + " CPU below 1x favour echoport.", r.config().rounds());
        md.line("");
        table(pairs, true);
    }

    void ratios() {
        md.line("## Ratios (measured side by side in this run)");
        md.line("");
        md.line("Each cell: first / second in round trips/s (> 1: the first is faster), then in server CPU per round"
                + " trip (< 1: the first is cheaper); median of the per-round ratios, spread in brackets.");
        md.line("");
        List<String[]> pairs = new ArrayList<>();
        for (String t : r.config().baselines()) {
            pairs.add(new String[]{"minimal " + t, "canonical " + t});
            pairs.add(new String[]{"canonical " + t, C_EPOLL});
        }
        pairs.add(new String[]{"echoport io_uring", "echoport epoll"});
        pairs.add(new String[]{"canonical io_uring", "canonical epoll"});
        pairs.add(new String[]{"echoport nio", "echoport epoll"});
        pairs.add(new String[]{"echoport oio", "echoport epoll"});
        pairs.add(new String[]{"echoport oio", "echoport nio"});
        for (ServerSpec v : r.config().variants()) {
            pairs.add(new String[]{v.label(), "echoport " + v.transport()});
        }
        pairs.removeIf(p -> !measured(p[0]) || !measured(p[1]));
        table(pairs, false);
    }

    private void table(List<String[]> pairs, boolean clientColumn) {
        StringBuilder h = new StringBuilder("| scenario |");
        for (String[] p : pairs) {
            h.append(' ').append(p[0]).append(" / ").append(p[1]).append(" |");
        }
        md.line("%s%s", h, clientColumn ? " client's busiest loop (all rows) |" : "");
        md.line("|---|%s%s", "---:|".repeat(pairs.size()), clientColumn ? "---:|" : "");
        for (Scenario s : loadScenarios()) {
            StringBuilder row = new StringBuilder("| " + s.name() + " |");
            for (String[] p : pairs) {
                Optional<Ratio> rt = ratio(p[0], p[1], s, true);
                Optional<Ratio> cpu = ratio(p[0], p[1], s, false);
                row.append(rt.map(x -> " " + x.text() + " rt/s, " + cpu.map(Ratio::text).orElse("-") + " CPU |")
                        .orElse(" - |"));
            }
            if (clientColumn) {
                row.append(' ').append(clientRange(s)).append(" |");
            }
            md.line("%s", row);
        }
        md.line("");
    }

    void targets() {
        md.line("## Targets");
        md.line("");
        for (String t : List.of("epoll", "io_uring")) {
            for (Scenario s : loadScenarios()) {
                if (s.connections() < 50 || s.pipeline() > 1) {
                    continue; // the many-connection small-message scenarios
                }
                target(String.format(Locale.ROOT, "echoport %s >= 0.97x canonical %s round trips/s and <= 1.05x its"
                        + " CPU per round trip, %s", t, t, s.name()), "echoport " + t, "canonical " + t, s, 0.97,
                        1.05);
            }
            for (Scenario s : loadScenarios()) {
                if (s.pipeline() > 1) {
                    target(String.format(Locale.ROOT, "echoport %s >= 0.95x canonical %s round trips/s, %s", t, t,
                            s.name()), "echoport " + t, "canonical " + t, s, 0.95, Double.NaN);
                    target(String.format(Locale.ROOT, "echoport %s >= 0.8x the C epoll echo's round trips/s, %s", t,
                            s.name()), "echoport " + t, C_EPOLL, s, 0.8, Double.NaN);
                }
            }
        }
        manyConnections().ifPresent(s -> target("io_uring >= epoll round trips/s, " + s.name(),
                "echoport io_uring", "echoport epoll", s, 1.0, Double.NaN));
        for (String t : List.of("epoll", "io_uring")) {
            r.idle("echoport " + t).ifPresent(i -> md.line("- %s heap per idle connection <= 4 KiB on %s: %s.",
                    Md.mark(i.heapPerConnectionBytes() <= 4096), t, Md.bytes(i.heapPerConnectionBytes())));
        }
        md.line("");
    }

    private void target(String what, String a, String b, Scenario s, double minRate, double maxCpu) {
        Optional<Ratio> rt = ratio(a, b, s, true);
        Optional<Ratio> cpu = ratio(a, b, s, false);
        if (rt.isEmpty()) {
            md.line("- n/a %s: not measured.", what);
            return;
        }
        boolean met = rt.get().median() >= minRate
                && (Double.isNaN(maxCpu) || cpu.map(c -> c.median() <= maxCpu).orElse(false));
        md.line("- %s %s: %s rt/s%s.", Md.mark(met), what, rt.get().text(),
                Double.isNaN(maxCpu) ? "" : ", " + cpu.map(Ratio::text).orElse("-") + " CPU");
    }

    Optional<Ratio> ratio(String a, String b, Scenario s, boolean throughput) {
        Optional<BenchResults.LoadRow> x = r.load(a, s);
        Optional<BenchResults.LoadRow> y = r.load(b, s);
        if (x.isEmpty() || y.isEmpty()) {
            return Optional.empty();
        }
        return throughput ? Ratio.throughput(x.get(), y.get()) : Ratio.cpu(x.get(), y.get());
    }

    private String clientRange(Scenario s) {
        double min = 1;
        double max = 0;
        for (BenchResults.LoadRow x : r.loads()) {
            if (x.scenario().equals(s)) {
                min = Math.min(min, x.details().busiestLoop());
                max = Math.max(max, x.details().busiestLoop());
            }
        }
        return max == 0 ? "-" : String.format(Locale.ROOT, "%.0f-%.0f%%", min * 100, max * 100);
    }

    private boolean measured(String server) {
        return r.loads().stream().anyMatch(x -> x.server().equals(server));
    }

    private List<Scenario> loadScenarios() {
        return r.config().scenarios().stream().filter(s -> !s.idle()).toList();
    }

    Optional<Scenario> manyConnections() {
        return loadScenarios().stream().filter(Scenario::inConnectionSweep)
                .max((a, b) -> Integer.compare(a.connections(), b.connections()));
    }
}
