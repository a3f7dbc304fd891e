package dev.echoport.loadgen.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** benchmarks.png: throughput and p99 latency against connections, one line per server and transport. */
final class BenchChart {
    private BenchChart() {
    }

    static Path write(BenchResults results) throws IOException {
        System.setProperty("java.awt.headless", "true");
        XYChart throughput = chart("Throughput (round trips/s)", "round trips / s");
        XYChart p99 = chart("p99 latency (us, log scale)", "p99 latency (us)");
        p99.getStyler().setYAxisLogarithmic(true);
        Map<String, List<BenchResults.LoadRow>> byServer = new LinkedHashMap<>();
        for (BenchResults.LoadRow r : results.loads()) {
            if (r.scenario().inConnectionSweep() && r.details().report().roundTrips() > 0) {
                byServer.computeIfAbsent(r.server(), k -> new ArrayList<>()).add(r);
            }
        }
        for (Map.Entry<String, List<BenchResults.LoadRow>> e : byServer.entrySet()) {
            List<BenchResults.LoadRow> rows = new ArrayList<>(e.getValue());
            rows.sort((a, b) -> Integer.compare(a.scenario().connections(), b.scenario().connections()));
            double[] x = rows.stream().mapToDouble(r -> r.scenario().connections()).toArray();
            double[] rt = rows.stream().mapToDouble(r -> r.details().report().roundTripsPerSecond()).toArray();
            double[] lat = rows.stream().mapToDouble(r -> Math.max(1, r.details().report().latency().p99Micros()))
                    .toArray();
            style(throughput.addSeries(e.getKey(), x, rt), e.getKey());
            style(p99.addSeries(e.getKey(), x, lat), e.getKey());
        }
        Path png = results.config().outDir().resolve("benchmarks.png");
        Files.createDirectories(png.getParent());
        String base = png.toString().substring(0, png.toString().length() - ".png".length());
        BitmapEncoder.saveBitmap(List.of(throughput, p99), 1, 2, base, BitmapEncoder.BitmapFormat.PNG);
        return png;
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(440).title(title)
                .xAxisTitle("connections (1: 1 B messages; others: 512 B)").yAxisTitle(yTitle).build();
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setDecimalPattern("#,###");
        return c;
    }

    private static void style(XYSeries s, String server) {
        s.setMarker(SeriesMarkers.CIRCLE);
        if (!server.startsWith("echoport")) { // the references: dashed
            s.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
                    new float[]{6f, 4f}, 0f));
        }
    }
}
