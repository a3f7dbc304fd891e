package dev.echoport.loadgen.cli;

import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.RunDetails;
import dev.echoport.loadgen.ServerEnds;

import java.util.Locale;

/** The human-readable report of one run, a few aligned lines. */
final class ReportText {
    private ReportText() {
    }

    static String format(LoadOptions o, RunDetails d) {
        LoadReport r = d.report();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "loadgen %s:%d, %d connection%s x %d B%s, %s, client %s x %s%n",
                o.host(), o.port(), o.connections(), o.connections() == 1 ? "" : "s", o.messageSize(),
                o.expectPrefix().isEmpty() ? "" : " lines, replies expected as \"" + o.expectPrefix() + "<line>\"",
                o.openLoop() ? "open loop at " + o.targetRate() + " round trips/s"
                        : "closed loop, pipeline " + o.pipeline(),
                d.transport(), d.threads() == 0 ? "a thread per connection" : d.threads() + " threads"));
        sb.append(String.format(Locale.ROOT, "connections  opened %d, refused %d, reset %d%n",
                r.connectionsOpened(), r.connectFailures(), r.resets()));
        ServerEnds ends = r.serverEnds();
        if (ends.total() > 0) {
            sb.append("ended        by the server:");
            if (ends.byFin() > 0) {
                sb.append(String.format(Locale.ROOT, " %d by FIN after %s", ends.byFin(),
                        ends.bytesBeforeFin().toText()));
            }
            if (ends.byRst() > 0) {
                sb.append(String.format(Locale.ROOT, "%s %d by RST after %s", ends.byFin() > 0 ? "," : "",
                        ends.byRst(), ends.bytesBeforeRst().toText()));
            }
            sb.append(" of echo\n");
        }
        sb.append(String.format(Locale.ROOT, "verified     %,d round trips measured, %,d B sent, %,d B received,"
                        + " %d mismatch%s%s%n", r.roundTrips(), r.totalBytesSent(), r.totalBytesReceived(),
                r.mismatches(), r.mismatches() == 1 ? "" : "es",
                d.drained() ? "" : " (some echoes never came back)"));
        sb.append(String.format(Locale.ROOT, "throughput   %,.0f round trips/s, %.2f MB/s sent, %.2f MB/s received"
                        + " over %.2f s%n", r.roundTripsPerSecond(), r.mbSentPerSecond(), r.mbReceivedPerSecond(),
                r.measuredSeconds()));
        LoadReport.Latency l = r.latency();
        sb.append(String.format(Locale.ROOT, "latency us   p50 %d  p90 %d  p99 %d  p99.9 %d  max %d  (%,d samples%s)%n",
                l.p50Micros(), l.p90Micros(), l.p99Micros(), l.p999Micros(), l.maxMicros(), l.count(),
                o.openLoop() ? ", from intended send times" : ""));
        sb.append(String.format(Locale.ROOT, "client       busiest loop %.0f%% busy%s: %s%n", d.busiestLoop() * 100,
                o.openLoop() ? ", schedule lag p99 " + d.tickLagP99Micros() + " us" : "",
                r.clientSaturated() ? "SATURATED - the client may have set the pace, not the server"
                        : "not saturated"));
        if (d.stalled()) {
            sb.append("stalled      round trips stopped advancing; the run was cut short\n");
        }
        if (d.firstError() != null) {
            sb.append("first error  ").append(d.firstError()).append('\n');
        }
        return sb.toString();
    }

    /** The live progress line (no newline). */
    static String progress(dev.echoport.loadgen.ProgressListener.Progress p, double rtPerSecond, double mbPerSecond) {
        return String.format(Locale.ROOT, "[%5.1fs] %-9s %,12.0f rt/s %8.2f MB/s  conns %d  mismatches %d",
                p.elapsedSeconds(), p.phase(), rtPerSecond, mbPerSecond, p.liveConnections(), p.mismatches());
    }
}
