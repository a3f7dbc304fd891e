package dev.echoport.udp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-source table, on a clock of our own: a bucket gives its burst then its rate, and no number of other
 * sources, however many and whatever their addresses, makes it forget a source and hand it a fresh burst.
 */
class SourceRateLimitTest {
    private static final long T0 = 1_000_000_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void a_bucket_gives_its_burst_then_its_rate() throws Exception {
        SourceRateLimiter limiter = new SourceRateLimiter(4, 20, 10, key(1), T0);
        int b = limiter.bucketOf(InetAddress.getByName("127.0.0.1"));
        assertThat(replies(limiter, b, T0, 50)).as("a full bucket").isEqualTo(20);
        assertThat(replies(limiter, b, T0 + SECOND / 4 - 1, 50)).as("just under one interval later").isZero();
        assertThat(replies(limiter, b, T0 + SECOND / 4, 50)).as("one interval later").isEqualTo(1);
        assertThat(replies(limiter, b, T0 + 3 * SECOND / 4, 50)).as("two intervals more").isEqualTo(2);
        assertThat(replies(limiter, b, T0 + 100 * SECOND, 50)).as("long idle: full again, never fuller")
                .isEqualTo(20);
    }

    /** The finding, in the model: burst 20, 1/s, 10 buckets, then many other sources at the same instant. */
    @Test
    void no_number_of_other_sources_gives_a_source_a_fresh_burst() throws Exception {
        SourceRateLimiter limiter = new SourceRateLimiter(1, 20, 10, key(2), T0);
        InetAddress victim = InetAddress.getByName("127.0.0.1");
        assertThat(replies(limiter, limiter.bucketOf(victim), T0, 50)).isEqualTo(20);
        assertThat(replies(limiter, limiter.bucketOf(victim), T0, 50)).isZero();
        Random random = new Random(3);
        for (int i = 0; i < 100_000; i++) { // IPv4 and IPv6 sources, each sending one datagram
            byte[] a = new byte[i % 2 == 0 ? 4 : 16];
            random.nextBytes(a);
            replies(limiter, limiter.bucketOf(InetAddress.getByAddress(a)), T0, 1);
        }
        assertThat(replies(limiter, limiter.bucketOf(victim), T0, 50))
                .as("replies to 127.0.0.1 after 100,000 other sources, at the same instant").isZero();
        assertThat(replies(limiter, limiter.bucketOf(victim), T0 + SECOND, 50))
                .as("one second later: at most the rate (the bucket may be shared)").isLessThanOrEqualTo(1);
    }

    @Test
    void an_ipv6_64_is_one_source_while_ipv4_addresses_are_each_their_own() throws Exception {
        SourceRateLimiter limiter = new SourceRateLimiter(1, 1, 1_000_000, key(4), T0);
        assertThat(limiter.bucketOf(InetAddress.getByName("2001:db8:1:2::1")))
                .isEqualTo(limiter.bucketOf(InetAddress.getByName("2001:db8:1:2:ffff:ffff:ffff:fffe")));
        int spread = 0;
        for (int i = 1; i <= 100; i++) {
            if (limiter.bucketOf(InetAddress.getByName("10.0.0." + i))
                    != limiter.bucketOf(InetAddress.getByName("10.0.0." + (i + 1)))) {
                spread++;
            }
        }
        assertThat(spread).as("neighbouring IPv4 addresses in different buckets of 1,000,000").isGreaterThan(95);
    }

    /** The bucket a source lands on depends on the per-process key, and sources spread evenly over the table. */
    @Test
    void buckets_are_chosen_by_a_secret_key_and_spread_evenly() throws Exception {
        SourceRateLimiter one = new SourceRateLimiter(1, 1, 1000, key(5), T0);
        SourceRateLimiter other = new SourceRateLimiter(1, 1, 1000, key(6), T0);
        int[] load = new int[1000];
        int same = 0;
        for (int i = 0; i < 100_000; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[]{10, (byte) (i >> 16), (byte) (i >> 8), (byte) i});
            load[one.bucketOf(a)]++;
            if (one.bucketOf(a) == other.bucketOf(a)) {
                same++;
            }
        }
        assertThat(same).as("addresses in the same bucket under two keys (chance: 1 in 1000)").isLessThan(300);
        assertThat(java.util.Arrays.stream(load).max().getAsInt()).as("fullest bucket (mean 100)").isLessThan(160);
        assertThat(java.util.Arrays.stream(load).min().getAsInt()).as("emptiest bucket (mean 100)")
                .isGreaterThan(50);
    }

    @Test
    void active_sources_are_the_buckets_used_within_a_minute() throws Exception {
        SourceRateLimiter limiter = new SourceRateLimiter(1, 100, 100_000, key(7), T0);
        assertThat(limiter.activeSources(T0)).as("a new table").isZero();
        replies(limiter, limiter.bucketOf(InetAddress.getByName("192.0.2.1")), T0, 1);
        replies(limiter, limiter.bucketOf(InetAddress.getByName("192.0.2.2")), T0 + 30 * SECOND, 1);
        assertThat(limiter.activeSources(T0 + 30 * SECOND)).isEqualTo(2);
        assertThat(limiter.activeSources(T0 + 61 * SECOND)).as("the first answered over a minute ago").isEqualTo(1);
        assertThat(limiter.activeSources(T0 + 92 * SECOND)).as("both quiet for over a minute").isZero();
        replies(limiter, limiter.bucketOf(InetAddress.getByName("192.0.2.3")), T0 + 100 * SECOND, 100);
        assertThat(limiter.activeSources(T0 + 200 * SECOND)).as("a bucket refilling for 100 s: still active")
                .isEqualTo(1);
    }

    /** Replies {@code bucket} gives to {@code datagrams} datagrams arriving at {@code now}. */
    private static int replies(SourceRateLimiter limiter, int bucket, long now, int datagrams) {
        int n = 0;
        for (int i = 0; i < datagrams; i++) {
            if (limiter.allows(bucket, now)) {
                limiter.take(bucket, now);
                n++;
            }
        }
        return n;
    }

    /** A reproducible key, so that every figure above is the same on every run. */
    private static SecureRandom key(long seed) throws Exception {
        SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
        r.setSeed(seed);
        return r;
    }
}
