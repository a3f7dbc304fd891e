package dev.echoport.metrics;

import dev.echoport.testsupport.Exposition;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The echo latency histogram counts every observation in the bucket Prometheus expects (an observation equal to a
 * bound is in that bucket, {@code le}), loses none when the event loops record at once, and is exposed exactly as the
 * Micrometer Timer it replaced was: same name, buckets, {@code _count} and {@code _sum}, with the common tags.
 */
class LatencyHistogramTest {
    private static final Duration[] BOUNDS = {Duration.ofNanos(50_000), Duration.ofNanos(100_000),
            Duration.ofMillis(1)};

    @Test
    void countsEachObservationInTheFirstBucketWhoseBoundItDoesNotExceed() {
        LatencyHistogram h = new LatencyHistogram(BOUNDS);
        h.record(0);
        h.record(50_000);       // on the bound: le="5.0E-5"
        h.record(50_001);
        h.record(100_000);
        h.record(999_999);
        h.record(5_000_000);    // above every bound: +Inf
        h.record(-7);           // a clock that went back: 0
        assertThat(h.bucketCounts()).containsExactly(3, 2, 1, 1);
        assertThat(h.count()).isEqualTo(7);
        assertThat(h.sumNanos()).isEqualTo(0 + 50_000 + 50_001 + 100_000 + 999_999 + 5_000_000);
    }

    @Test
    void refusesBoundsThatDoNotAscend() {
        assertThatThrownBy(() -> new LatencyHistogram(Duration.ofMillis(2), Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascend");
    }

    @Test
    void losesNoObservationWhenFourThreadsRecordAtOnce() throws InterruptedException {
        LatencyHistogram h = new LatencyHistogram(BOUNDS);
        int perThread = 200_000;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long value = 40_000L * (t + 1); // 40, 80, 120, 160 us: buckets 0, 1, 2, 2
            Thread thread = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    h.record(value);
                }
            });
            thread.start();
            threads.add(thread);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
        assertThat(h.bucketCounts()).containsExactly(perThread, perThread, 2L * perThread, 0);
        assertThat(h.sumNanos()).isEqualTo((double) perThread * (40_000 + 80_000 + 120_000 + 160_000));
    }

    @Test
    void isExposedAsTheHistogramTheTimerWasWithTheCommonTags() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("pod", "echo-1");
        EchoMetrics metrics = new EchoMetrics(registry);
        metrics.echoLatency(30_000);
        metrics.echoLatency(300_000);
        metrics.echoLatency(20_000_000_000L);
        Exposition e = Exposition.parse(registry.scrape());
        Map<String, String> pod = Map.of("pod", "echo-1");
        assertThat(e.value("echoport_echo_latency_seconds_count", pod)).contains(3.0);
        assertThat(e.value("echoport_echo_latency_seconds_sum", pod).orElseThrow()).isCloseTo(20.00033,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(e.value("echoport_echo_latency_seconds_bucket", Map.of("pod", "echo-1", "le", "5.0E-5")))
                .contains(1.0);
        assertThat(e.value("echoport_echo_latency_seconds_bucket", Map.of("pod", "echo-1", "le", "5.0E-4")))
                .contains(2.0); // cumulative
        assertThat(e.value("echoport_echo_latency_seconds_bucket", Map.of("pod", "echo-1", "le", "10.0")))
                .contains(2.0);
        assertThat(e.value("echoport_echo_latency_seconds_bucket", Map.of("pod", "echo-1", "le", "+Inf")))
                .contains(3.0);
        String openMetrics = registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertThat(openMetrics).contains("# TYPE echoport_echo_latency_seconds histogram")
                .contains("echoport_echo_latency_seconds_count{pod=\"echo-1\"} 3");
    }

    @Test
    void anyOtherRegistryGetsTheCountAndTotalAsAFunctionTimer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EchoMetrics metrics = new EchoMetrics(registry);
        metrics.echoLatency(1_000_000);
        metrics.echoLatency(3_000_000);
        var timer = registry.get(EchoMetrics.ECHO_LATENCY).functionTimer();
        assertThat(timer.count()).isEqualTo(2.0);
        assertThat(timer.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(4.0);
    }
}
