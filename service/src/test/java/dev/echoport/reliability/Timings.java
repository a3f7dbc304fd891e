package dev.echoport.reliability;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The durations of repeated probes (or round trips) during a scenario, judged as a kubelet judges its probes: one slow
 * answer on a shared machine is noise, three in a row past the timeout is an outage (the default
 * {@code failureThreshold} is 3). So: at least 95 % within the bound, never three in a row past it, none past a hard
 * ceiling. {@link #toString} gives the figures a scenario reports.
 */
final class Timings {
    static final int CONSECUTIVE_FAILURES = 3;

    private final String what;
    private final List<Long> millis = new ArrayList<>();

    Timings(String what) {
        this.what = what;
    }

    void add(long ms) {
        millis.add(ms);
    }

    long max() {
        return millis.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    long percentile(double p) {
        if (millis.isEmpty()) {
            return 0;
        }
        List<Long> sorted = millis.stream().sorted().toList();
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1));
    }

    /** The longest run of consecutive durations past {@code boundMillis}. */
    int longestRunOver(long boundMillis) {
        int longest = 0;
        int run = 0;
        for (long ms : millis) {
            run = ms > boundMillis ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return longest;
    }

    void assertWithin(long boundMillis, long ceilingMillis) {
        assertThat(millis).as("%s: none measured", what).isNotEmpty();
        assertThat(percentile(95)).as("%s: p95 (ms) of %s", what, this).isLessThanOrEqualTo(boundMillis);
        assertThat(longestRunOver(boundMillis)).as("%s: consecutive answers over %d ms, of %s", what, boundMillis,
                this).isLessThan(CONSECUTIVE_FAILURES);
        assertThat(max()).as("%s: slowest (ms) of %s", what, this).isLessThanOrEqualTo(ceilingMillis);
    }

    @Override
    public String toString() {
        return millis.size() + " measured, median " + percentile(50) + " ms, p95 " + percentile(95) + " ms, slowest "
                + max() + " ms";
    }
}
