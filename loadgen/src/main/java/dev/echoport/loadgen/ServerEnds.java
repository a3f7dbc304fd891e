package dev.echoport.loadgen;

import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * How the server ended connections during the run, as the client saw it: by FIN (EOF) or by RST, and how many echo
 * bytes each connection had received before. What a fault such as close-after-bytes or reset-after looks like from
 * the client.
 *
 * @param byFin        connections the server closed (the client read EOF)
 * @param byRst        connections the server reset
 * @param bytesBeforeFin echo bytes received on a connection before its EOF: min, median, max
 * @param bytesBeforeRst echo bytes received on a connection before its reset: min, median, max
 */
public record ServerEnds(long byFin, long byRst, Spread bytesBeforeFin, Spread bytesBeforeRst) {
    public static final ServerEnds NONE = new ServerEnds(0, 0, Spread.NONE, Spread.NONE);

    /** Minimum, median and maximum of a set of byte counts. */
    public record Spread(long min, long median, long max) {
        public static final Spread NONE = new Spread(0, 0, 0);

        static Spread of(long[] values) {
            if (values.length == 0) {
                return NONE;
            }
            long[] v = values.clone();
            Arrays.sort(v);
            return new Spread(v[0], v[v.length / 2], v[v.length - 1]);
        }

        String toJson() {
            return String.format(Locale.ROOT, "{\"min\":%d,\"median\":%d,\"max\":%d}", min, median, max);
        }

        /** "10,000 B" when all equal, else "9,216-10,000 B (median 10,000)". */
        public String toText() {
            return min == max ? String.format(Locale.ROOT, "%,d B", min)
                    : String.format(Locale.ROOT, "%,d-%,d B (median %,d)", min, max, median);
        }
    }

    public long total() {
        return byFin + byRst;
    }

    String toJson() {
        return String.format(Locale.ROOT, "{\"byFin\":%d,\"byRst\":%d,\"bytesBeforeFin\":%s,\"bytesBeforeRst\":%s}",
                byFin, byRst, bytesBeforeFin.toJson(), bytesBeforeRst.toJson());
    }

    /** Collects the ends reported by the connections, from any event loop. */
    static final class Collector {
        private final ConcurrentLinkedQueue<Long> fin = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Long> rst = new ConcurrentLinkedQueue<>();

        void ended(boolean reset, long bytesBefore) {
            (reset ? rst : fin).add(bytesBefore);
        }

        ServerEnds snapshot() {
            long[] f = fin.stream().mapToLong(Long::longValue).toArray();
            long[] r = rst.stream().mapToLong(Long::longValue).toArray();
            return new ServerEnds(f.length, r.length, Spread.of(f), Spread.of(r));
        }
    }
}
