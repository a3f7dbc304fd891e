package dev.echoport.udp;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per source address, so that no address gets more than {@code rate} replies a second after an initial
 * {@code burst}: the guard that keeps a UDP echo from being used to flood a spoofed victim. Holds at most
 * {@code maxSources} buckets, forgetting the least recently seen. Used from one event loop only: not thread-safe.
 */
final class SourceRateLimiter {
    private final double tokensPerNano;
    private final double burst;
    private final LinkedHashMap<InetAddress, Bucket> buckets;

    SourceRateLimiter(int ratePerSecond, int burst, int maxSources) {
        this.tokensPerNano = ratePerSecond / 1e9;
        this.burst = burst;
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<InetAddress, Bucket> eldest) {
                return size() > maxSources;
            }
        };
    }

    /** Takes one token for {@code source}; false if it has none left. */
    boolean tryAcquire(InetAddress source, long nowNanos) {
        Bucket b = buckets.get(source);
        if (b == null) {
            b = new Bucket(burst, nowNanos);
            buckets.put(source, b);
        } else {
            b.tokens = Math.min(burst, b.tokens + (nowNanos - b.updatedAt) * tokensPerNano);
            b.updatedAt = nowNanos;
        }
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return true;
        }
        return false;
    }

    int size() {
        return buckets.size();
    }

    private static final class Bucket {
        double tokens;
        long updatedAt;

        Bucket(double tokens, long updatedAt) {
            this.tokens = tokens;
            this.updatedAt = updatedAt;
        }
    }
}
