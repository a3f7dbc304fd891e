package dev.echoport.admin;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * /metrics rendering off the event loop: scrapes that ask while a render runs share the next render, each answer is
 * rendered after its request (never an older scrape), and renders start at least the minimum interval apart.
 */
class MetricsRendererTest {
    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void scrapes_asking_during_a_render_share_the_next_one_which_shows_what_changed_after_they_asked()
            throws Exception {
        AtomicInteger renders = new AtomicInteger();
        AtomicLong value = new AtomicLong(1);
        CountDownLatch inFirstRender = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Gauge.builder("test.value", () -> {
            long read = value.get();
            if (renders.incrementAndGet() == 1) { // hold the first render, as a slow scrape would
                inFirstRender.countDown();
                await(release);
            }
            return read;
        }).register(registry);
        try (MetricsRenderer renderer = new MetricsRenderer(registry, Duration.ZERO, System::nanoTime)) {
            CompletableFuture<byte[]> first = renderer.render(TEXT);
            assertThat(inFirstRender.await(10, TimeUnit.SECONDS)).as("the first render started").isTrue();
            value.set(2); // after the first render read its values, before the others ask
            List<CompletableFuture<byte[]>> later = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                later.add(renderer.render(TEXT));
            }
            release.countDown();
            assertThat(text(first)).contains("test_value 1.0");
            byte[] shared = later.get(0).get(10, TimeUnit.SECONDS);
            assertThat(new String(shared, StandardCharsets.UTF_8)).as("rendered after they asked")
                    .contains("test_value 2.0");
            for (CompletableFuture<byte[]> f : later) {
                assertThat(f.get(10, TimeUnit.SECONDS)).as("one render for all 20").isSameAs(shared);
            }
            assertThat(renders.get()).isEqualTo(2);
        }
    }

    @Test
    void renders_start_at_least_the_minimum_interval_apart() throws Exception {
        Duration interval = Duration.ofMillis(300);
        List<Long> starts = new CopyOnWriteArrayList<>();
        Gauge.builder("test.render.start", () -> {
            starts.add(System.nanoTime());
            return 1;
        }).register(registry);
        try (MetricsRenderer renderer = new MetricsRenderer(registry, interval, System::nanoTime)) {
            long asked = System.nanoTime();
            for (int i = 0; i < 3; i++) { // back to back, as a client pipelining scrapes would
                renderer.render(TEXT).get(10, TimeUnit.SECONDS);
            }
            assertThat(starts).hasSize(3);
            // Lower bounds only: a loaded machine can delay renders, never bring them closer.
            assertThat(starts.get(1) - asked).as("second render after the first request (ns)")
                    .isGreaterThanOrEqualTo(interval.toNanos());
            assertThat(starts.get(2) - asked).as("third render after the first request (ns)")
                    .isGreaterThanOrEqualTo(2 * interval.toNanos());
            System.out.printf("FIGURE renderer: renders %d ms and %d ms after the first request (interval %d"
                            + " ms)%n", (starts.get(1) - asked) / 1_000_000, (starts.get(2) - asked) / 1_000_000,
                    interval.toMillis());
        }
    }

    @Test
    void closing_fails_the_scrapes_still_waiting() throws Exception {
        MetricsRenderer renderer = new MetricsRenderer(registry, Duration.ofMinutes(1), System::nanoTime);
        renderer.render(TEXT).get(10, TimeUnit.SECONDS);
        CompletableFuture<byte[]> waiting = renderer.render(TEXT); // a minute away
        renderer.close();
        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
    }

    private static String text(CompletableFuture<byte[]> f) throws Exception {
        return new String(f.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
