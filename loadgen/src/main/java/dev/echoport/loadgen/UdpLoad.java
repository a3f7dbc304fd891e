package dev.echoport.loadgen;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code loadgen --udp}: closed-loop UDP echo load. Each of {@code connections} sockets (one thread each) sends a
 * datagram of {@code size} bytes (a sequence number and a seeded pattern), waits up to {@link #REPLY_TIMEOUT_MILLIS}
 * for its echo, verifies every byte and records the round trip. A datagram whose echo does not come back in time is
 * lost (UDP may drop, and the server's per-source rate limit does drop on purpose).
 */
public final class UdpLoad {
    /**
     * Generous: on a busy 2-core host a loopback echo was seen to take over 200 ms, and a late echo is not a lost
     * one.
     */
    static final int REPLY_TIMEOUT_MILLIS = 1000;
    public static final int MAX_DATAGRAM = 65507;

    private UdpLoad() {
    }

    /**
     * @param lost       datagrams whose echo did not arrive within the reply timeout
     * @param mismatches echoes that differed from what was sent
     */
    public record Result(int sockets, long roundTrips, long lost, long mismatches, double seconds,
                         double roundTripsPerSecond, double mbPerSecond, LoadReport.Latency latency) {
        public boolean clean() {
            return lost == 0 && mismatches == 0;
        }

        public String toText() {
            return String.format(Locale.ROOT, "udp: %d sockets, %d round trips in %.1f s = %.0f/s, %.2f MB/s each way;"
                            + " lost %d, mismatches %d; latency us p50 %d p90 %d p99 %d p99.9 %d max %d%n",
                    sockets, roundTrips, seconds, roundTripsPerSecond, mbPerSecond, lost, mismatches,
                    latency.p50Micros(), latency.p90Micros(), latency.p99Micros(), latency.p999Micros(),
                    latency.maxMicros());
        }

        public String toJson() {
            return String.format(Locale.ROOT, "{\"sockets\":%d,\"roundTrips\":%d,\"lost\":%d,\"mismatches\":%d,"
                            + "\"measuredSeconds\":%s,\"roundTripsPerSecond\":%s,\"mbPerSecond\":%s,\"latency\":%s}",
                    sockets, roundTrips, lost, mismatches, LoadReport.num(seconds), LoadReport.num(roundTripsPerSecond),
                    LoadReport.num(mbPerSecond), latency.toJson());
        }
    }

    /** Runs warm-up then the measured window (or {@code options.totalMessages()} round trips in total). */
    public static Result run(LoadOptions options) throws InterruptedException {
        options.validate();
        if (options.messageSize() < 8 || options.messageSize() > MAX_DATAGRAM) {
            throw new IllegalArgumentException("--size must be 8.." + MAX_DATAGRAM + " bytes with --udp, was "
                    + options.messageSize());
        }
        InetSocketAddress server = new InetSocketAddress(options.host(), options.port());
        int n = options.connections();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        long warmupEnd = System.nanoTime() + options.warmup().toNanos();
        long perSocket = options.totalMessages() > 0 ? Math.max(1, options.totalMessages() / n) : Long.MAX_VALUE;
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            List<Histogram> histograms = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
                histograms.add(h);
                int seed = i;
                futures.add(pool.submit(() -> drive(server, options, seed, h, warmupEnd, perSocket)));
            }
            long roundTrips = 0;
            long lost = 0;
            long mismatches = 0;
            long start = Long.MAX_VALUE;
            long end = 0;
            for (Future<long[]> f : futures) {
                long[] r;
                try {
                    r = f.get(options.warmup().toMillis() + options.duration().toMillis() + 600_000,
                            TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException("udp load: " + e.getCause(), e);
                }
                roundTrips += r[0];
                lost += r[1];
                mismatches += r[2];
                start = Math.min(start, r[3]);
                end = Math.max(end, r[4]);
            }
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            histograms.forEach(all::add);
            double seconds = Math.max(1e-9, (end - start) / 1e9);
            LoadReport.Latency latency = all.getTotalCount() == 0 ? LoadReport.Latency.NONE
                    : new LoadReport.Latency(micros(all, 50), micros(all, 90), micros(all, 99), micros(all, 99.9),
                    all.getMaxValue() / 1000, all.getTotalCount());
            return new Result(n, roundTrips, lost, mismatches, seconds, roundTrips / seconds,
                    roundTrips * (double) options.messageSize() / 1e6 / seconds, latency);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One socket's loop; returns {roundTrips, lost, mismatches, measureStartNanos, endNanos}. */
    private static long[] drive(InetSocketAddress server, LoadOptions o, int seed, Histogram h, long warmupEnd,
                                long maxRoundTrips) throws IOException {
        int size = o.messageSize();
        byte[] sent = new byte[size];
        new Random(0x5eed_0000L + seed).nextBytes(sent);
        ByteBuffer seqView = ByteBuffer.wrap(sent);
        byte[] received = new byte[MAX_DATAGRAM + 1];
        DatagramPacket reply = new DatagramPacket(received, received.length);
        long roundTrips = 0;
        long lost = 0;
        long mismatches = 0;
        long measureStart = Math.max(System.nanoTime(), warmupEnd);
        long stop = measureStart + o.duration().toNanos();
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.setSoTimeout(REPLY_TIMEOUT_MILLIS);
            DatagramPacket request = new DatagramPacket(sent, size);
            long seq = 0;
            while (true) {
                long now = System.nanoTime();
                boolean measuring = now >= warmupEnd;
                if (measuring && (o.totalMessages() > 0 ? roundTrips >= maxRoundTrips : now >= stop)) {
                    return new long[]{roundTrips, lost, mismatches, measureStart, now};
                }
                seqView.putLong(0, ++seq);
                long sentAt = System.nanoTime();
                socket.send(request);
                boolean answered = false;
                while (!answered) {
                    reply.setLength(received.length);
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException e) {
                        break;
                    }
                    int r = reply.getLength();
                    if (r < 8 || ByteBuffer.wrap(received).getLong(0) != seq) {
                        continue; // a late echo of an earlier (lost) datagram
                    }
                    answered = true;
                    long rtt = System.nanoTime() - sentAt;
                    if (r != size || !Arrays.equals(received, 0, r, sent, 0, size)) {
                        mismatches++;
                    }
                    if (measuring) {
                        roundTrips++;
                        h.recordValue(Math.min(rtt, h.getHighestTrackableValue()));
                    }
                }
                if (!answered && measuring) {
                    lost++;
                }
            }
        }
    }

    private static long micros(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000;
    }
}
