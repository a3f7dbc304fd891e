package dev.echoport.udp;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The per-source reply limit: a fixed table of {@code udp.max-sources} token buckets, a source's bucket chosen by a
 * keyed hash (SipHash-2-4, random key per process) of its address. Nothing is ever evicted, so no source can be handed
 * a fresh burst by making the table forget it: whatever other sources send, a bucket gives at most {@code burst}
 * replies at once and {@code rate} a second after that. Sources that hash to the same bucket share it, which can only
 * give each of them less. Memory is 8 bytes a bucket, allocated once.
 *
 * <p>A source is an IPv4 address or an IPv6 /64 (one host's or one LAN's prefix), so the addresses of one IPv6
 * network, which its owner or a forger has by the billion, all share one bucket.
 *
 * <p>Each bucket is one {@code long} in the form of the generic cell rate algorithm (ATM's GCRA, the token bucket
 * written as a time): the time at which the bucket will be full again. Used from one event loop; other threads only
 * read ({@link #activeSources}), with opaque reads of the array.
 */
final class SourceRateLimiter {
    /** {@link #activeSources} counts the buckets used within this long. */
    static final long ACTIVE_WINDOW_NANOS = 60_000_000_000L;

    private final long intervalNanos;
    private final long toleranceNanos;
    private final AtomicLongArray fullAt;
    private final long origin;
    private final long k0;
    private final long k1;
    private final byte[] scratch = new byte[16];

    /**
     * @param ratePerSecond replies a second a bucket refills at
     * @param burst         replies a full bucket holds
     * @param buckets       the table's fixed size
     * @param random        the source of the hash key
     * @param originNanos   {@link System#nanoTime()} now: the table starts with every bucket full
     */
    SourceRateLimiter(int ratePerSecond, int burst, int buckets, SecureRandom random, long originNanos) {
        // rounded up: the rate may come out a hair under the setting, never over it
        this.intervalNanos = (1_000_000_000L + ratePerSecond - 1) / ratePerSecond;
        this.toleranceNanos = (burst - 1) * intervalNanos;
        this.fullAt = new AtomicLongArray(buckets);
        // Times are kept from a minute before the start, so that a never-used bucket (0) never looks recently used.
        this.origin = originNanos - ACTIVE_WINDOW_NANOS;
        this.k0 = random.nextLong();
        this.k1 = random.nextLong();
    }

    /** The bucket of {@code source}: the same for the same address (IPv6: the same /64) for this table's life. */
    int bucketOf(InetAddress source) {
        byte[] address = source.getAddress();
        int length = Math.min(address.length, 8); // IPv4: 4 bytes; IPv6: its /64
        System.arraycopy(address, 0, scratch, 0, length);
        long h = SipHash.hash(k0, k1, scratch, length);
        return (int) (((h >>> 32) * fullAt.length()) >>> 32); // the high 32 bits scaled to [0, buckets)
    }

    /** Whether {@code bucket} has a reply left at {@code nowNanos} ({@link System#nanoTime()}). */
    boolean allows(int bucket, long nowNanos) {
        return fullAt.getPlain(bucket) - (nowNanos - origin) <= toleranceNanos;
    }

    /** Takes one reply from {@code bucket}; call only after {@link #allows} said yes at the same time. */
    void take(int bucket, long nowNanos) {
        long now = nowNanos - origin;
        fullAt.setOpaque(bucket, Math.max(fullAt.getPlain(bucket), now) + intervalNanos);
    }

    /**
     * Buckets that gave a reply within the last minute (or are still refilling): the sources, or groups of sources
     * sharing a bucket, answered lately. A scan of the table: for a scrape, not for the data path.
     */
    int activeSources(long nowNanos) {
        long since = nowNanos - origin - ACTIVE_WINDOW_NANOS;
        int active = 0;
        for (int i = 0; i < fullAt.length(); i++) {
            if (fullAt.getOpaque(i) > since) {
                active++;
            }
        }
        return active;
    }

    int buckets() {
        return fullAt.length();
    }
}
