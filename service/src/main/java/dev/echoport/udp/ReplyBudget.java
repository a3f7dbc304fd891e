package dev.echoport.udp;

/**
 * The process-wide reply budget: replies and reply bytes a second, whoever they go to. The per-source limit alone
 * cannot stop a reflector, because UDP source addresses are free to forge: a sender who writes a million source
 * addresses gets a million bursts. This budget bounds what the listener sends in all: over any span of T seconds at
 * most {@code rate x T} plus one bucket (a tenth of a second's worth; for bytes at least one largest datagram, so that
 * one can always pass). A limit of 0 is no limit. Used from the UDP event loop only: no locks.
 */
final class ReplyBudget {
    private final Bucket packets;
    private final Bucket bytes;

    /**
     * @param repliesPerSecond  0 = no limit on replies
     * @param bytesPerSecond    0 = no limit on reply bytes
     * @param maxDatagramSize   the largest reply there can be
     * @param originNanos       {@link System#nanoTime()} now: both buckets start full
     */
    ReplyBudget(int repliesPerSecond, int bytesPerSecond, int maxDatagramSize, long originNanos) {
        this.packets = repliesPerSecond == 0 ? null
                : new Bucket(repliesPerSecond, Math.max(1, repliesPerSecond / 10.0), originNanos);
        this.bytes = bytesPerSecond == 0 ? null
                : new Bucket(bytesPerSecond, Math.max(maxDatagramSize, bytesPerSecond / 10.0), originNanos);
    }

    /** Whether a reply of {@code size} bytes fits the budget at {@code nowNanos}. */
    boolean allows(int size, long nowNanos) {
        return (packets == null || packets.has(1, nowNanos)) && (bytes == null || bytes.has(size, nowNanos));
    }

    /** Spends a reply of {@code size} bytes; call only after {@link #allows} said yes at the same time. */
    void take(int size) {
        if (packets != null) {
            packets.tokens -= 1;
        }
        if (bytes != null) {
            bytes.tokens -= size;
        }
    }

    /** A token bucket refilled continuously from the clock. */
    private static final class Bucket {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long updatedAt;

        Bucket(double perSecond, double capacity, long originNanos) {
            this.perNano = perSecond / 1e9;
            this.capacity = capacity;
            this.tokens = capacity;
            this.updatedAt = originNanos;
        }

        boolean has(double cost, long nowNanos) {
            long elapsed = nowNanos - updatedAt;
            if (elapsed > 0) { // nanoTime never runs back, but a caller's older reading must not drain the bucket
                tokens = Math.min(capacity, tokens + elapsed * perNano);
                updatedAt = nowNanos;
            }
            return tokens >= cost;
        }
    }
}
