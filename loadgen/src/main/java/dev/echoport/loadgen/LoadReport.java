package dev.echoport.loadgen;

import java.util.Locale;

/**
 * The outcome of one load run: connection errors, verification, throughput and latency.
 *
 * @param connectionsOpened   connections established and admitted (not refused right after the handshake)
 * @param connectFailures     connections refused or reset during connect, including those the server accepted and
 *                            then reset or closed before echoing their first byte (that is how a TCP server refuses)
 * @param resets              established connections that died (RST or EOF) before the run ended (see serverEnds)
 * @param mismatches          echoed messages with any byte different from what was sent, plus unsolicited data
 * @param roundTrips          round trips completed in the measured window
 * @param totalBytesSent      bytes sent over the whole run, warm-up included
 * @param totalBytesReceived  bytes received over the whole run, warm-up included
 * @param measuredSeconds     length of the measured window
 * @param roundTripsPerSecond {@code roundTrips / measuredSeconds}
 * @param mbSentPerSecond     MB (10^6 bytes) sent per second in the measured window
 * @param mbReceivedPerSecond MB (10^6 bytes) received per second in the measured window
 * @param latency             round-trip latency of the measured window
 * @param clientSaturated     the client could not keep its schedule (open loop) or a client event loop was ~100% busy,
 *                            so the numbers may describe the client rather than the server
 * @param serverEnds          the {@code resets} in detail: by FIN or RST, and the echo bytes received before each
 */
public record LoadReport(long connectionsOpened, long connectFailures, long resets, long mismatches,
        long roundTrips, long totalBytesSent, long totalBytesReceived,
        double measuredSeconds, double roundTripsPerSecond, double mbSentPerSecond, double mbReceivedPerSecond,
        Latency latency, boolean clientSaturated, ServerEnds serverEnds) {

    /** A report without the detail of how connections ended. */
    public LoadReport(long connectionsOpened, long connectFailures, long resets, long mismatches, long roundTrips,
                      long totalBytesSent, long totalBytesReceived, double measuredSeconds, double roundTripsPerSecond,
                      double mbSentPerSecond, double mbReceivedPerSecond, Latency latency, boolean clientSaturated) {
        this(connectionsOpened, connectFailures, resets, mismatches, roundTrips, totalBytesSent, totalBytesReceived,
                measuredSeconds, roundTripsPerSecond, mbSentPerSecond, mbReceivedPerSecond, latency, clientSaturated,
                ServerEnds.NONE);
    }

    /** Round-trip latency percentiles in microseconds, from an HdrHistogram, over {@code count} round trips. */
    public record Latency(long p50Micros, long p90Micros, long p99Micros, long p999Micros, long maxMicros, long count) {
        public static final Latency NONE = new Latency(0, 0, 0, 0, 0, 0);

        String toJson() {
            return String.format(Locale.ROOT,
                    "{\"p50Micros\":%d,\"p90Micros\":%d,\"p99Micros\":%d,\"p999Micros\":%d,\"maxMicros\":%d,"
                            + "\"count\":%d}", p50Micros, p90Micros, p99Micros, p999Micros, maxMicros, count);
        }
    }

    /** True when every echoed byte matched and no connection failed or died. */
    public boolean clean() {
        return mismatches == 0 && connectFailures == 0 && resets == 0;
    }

    /** One JSON object (no line breaks), field names as the record components. */
    public String toJson() {
        return String.format(Locale.ROOT,
                "{\"connectionsOpened\":%d,\"connectFailures\":%d,\"resets\":%d,\"mismatches\":%d,"
                        + "\"roundTrips\":%d,\"totalBytesSent\":%d,\"totalBytesReceived\":%d,"
                        + "\"measuredSeconds\":%s,\"roundTripsPerSecond\":%s,\"mbSentPerSecond\":%s,"
                        + "\"mbReceivedPerSecond\":%s,\"latency\":%s,\"clientSaturated\":%s,\"serverEnds\":%s}",
                connectionsOpened, connectFailures, resets, mismatches, roundTrips, totalBytesSent,
                totalBytesReceived, num(measuredSeconds), num(roundTripsPerSecond), num(mbSentPerSecond),
                num(mbReceivedPerSecond), latency.toJson(), clientSaturated, serverEnds.toJson());
    }

    static String num(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
