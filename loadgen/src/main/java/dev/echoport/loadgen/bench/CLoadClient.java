package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.RunDetails;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one scenario with the C load client (bench/c/echo_client.c): one thread, epoll, closed loop, every echoed byte
 * checked. It samples the server's CPU time itself at the edges of the measured window.
 */
final class CLoadClient {
    private static final Duration MARGIN = Duration.ofSeconds(30); // connect, drain (10 s at most), report

    private CLoadClient() {
    }

    /** The report, with the client's own CPU share as its busiest loop, and the server's CPU over the window. */
    record Result(RunDetails details, double serverCpuSeconds) {
    }

    static Result run(Path client, int port, Scenario s, Duration warmup, Duration duration, long serverPid)
            throws IOException, InterruptedException {
        List<String> cmd = List.of(client.toString(), "-p", String.valueOf(port), "-c",
                String.valueOf(s.connections()), "-s", String.valueOf(s.messageSize()), "-q",
                String.valueOf(s.pipeline()), "-w", String.valueOf(warmup.toMillis()), "-d",
                String.valueOf(duration.toMillis()), "-S", String.valueOf(serverPid));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            String err = new String(p.getErrorStream().readAllBytes()).strip();
            if (!p.waitFor(warmup.plus(duration).plus(MARGIN).toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("C client did not finish");
            }
            if (!out.contains("\"roundTrips\"")) {
                throw new IllegalStateException("C client exited " + p.exitValue() + ": " + err);
            }
            return parse(out);
        } finally {
            p.destroyForcibly();
        }
    }

    static Result parse(String json) {
        double busy = num(json, "clientBusy");
        LoadReport.Latency latency = new LoadReport.Latency(whole(json, "p50Micros"), whole(json, "p90Micros"),
                whole(json, "p99Micros"), whole(json, "p999Micros"), whole(json, "maxMicros"), whole(json, "count"));
        long mismatches = whole(json, "mismatches");
        long failures = whole(json, "connectFailures");
        long resets = whole(json, "resets");
        boolean drained = json.contains("\"drained\":true");
        LoadReport report = new LoadReport(whole(json, "connectionsOpened"), failures, resets, mismatches,
                whole(json, "roundTrips"), whole(json, "totalBytesSent"), whole(json, "totalBytesReceived"),
                num(json, "measuredSeconds"), num(json, "roundTripsPerSecond"), num(json, "mbSentPerSecond"),
                num(json, "mbReceivedPerSecond"), latency, busy >= 0.9);
        String firstError = mismatches > 0 ? mismatches + " echoed messages differed from what was sent"
                : failures + resets > 0 ? failures + " connections refused, " + resets + " reset"
                : drained ? null : "not every message in flight came back";
        RunDetails details = new RunDetails(report, "epoll (C client)", 1, busy, 0, false, drained, firstError);
        return new Result(details, num(json, "serverCpuSeconds"));
    }

    private static double num(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?[0-9.]+)").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("C client output has no " + field + ": " + json.strip());
        }
        return Double.parseDouble(m.group(1));
    }

    private static long whole(String json, String field) {
        return Math.round(num(json, field));
    }
}
