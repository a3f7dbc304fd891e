package dev.echoport.metrics;

import com.typesafe.config.ConfigFactory;
import dev.echoport.Echoport;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.fail;

/** An in-process echoport on loopback with ephemeral echo and admin ports, and a client for its admin endpoint. */
final class RunningEchoport implements AutoCloseable {
    static final Duration DEADLINE = Duration.ofSeconds(15);

    private final Echoport echoport;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningEchoport(Echoport echoport) {
        this.echoport = echoport;
    }

    /**
     * Starts echoport on {@code transport} with {@code hocon} (keys inside {@code echoport { }}) over the defaults.
     */
    static RunningEchoport start(Transport transport, String hocon) {
        return start("transport = " + transport.configName() + "\n" + hocon);
    }

    static RunningEchoport start(String hocon) {
        Settings settings = SettingsLoader.fromConfig(ConfigFactory.parseString(
                        "echoport { host = \"127.0.0.1\", port = 0, admin.port = 0\n" + hocon + "\n}")
                .withFallback(SettingsLoader.defaults()).resolve());
        settings = settings.withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
        return new RunningEchoport(new Echoport(settings, Optional.empty()).start());
    }

    Echoport echoport() {
        return echoport;
    }

    int echoPort() {
        return echoport.server().port();
    }

    int adminPort() {
        return echoport.admin().orElseThrow().localAddress().getPort();
    }

    URI admin(String path) {
        return URI.create("http://127.0.0.1:" + adminPort() + path);
    }

    HttpResponse<String> get(String path, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(10)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("admin request " + request + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** GET /metrics in the Prometheus text format, parsed. */
    Exposition scrape() {
        HttpResponse<String> r = get("/metrics", null);
        if (r.statusCode() != 200) {
            fail("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return Exposition.parse(r.body());
    }

    /** Polls /metrics until the sample equals {@code expected}; fails with the last value seen at the deadline. */
    Exposition awaitValue(String name, Map<String, String> labels, double expected) {
        return awaitScrape(name + labels + " == " + expected,
                e -> e.value(name, labels).map(v -> v == expected).orElse(false),
                e -> String.valueOf(e.value(name, labels).orElse(null)));
    }

    Exposition awaitValue(String name, double expected) {
        return awaitValue(name, Map.of(), expected);
    }

    /** Polls /metrics until {@code condition} holds; fails at the deadline saying what was last seen. */
    Exposition awaitScrape(String what, Predicate<Exposition> condition,
                           java.util.function.Function<Exposition, String> describe) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Exposition last;
        do {
            last = scrape();
            if (condition.test(last)) {
                return last;
            }
            try {
                Thread.sleep(20); // polling an external endpoint: a pause between scrapes, not a synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        } while (System.nanoTime() < deadline);
        return fail("timed out after " + DEADLINE.toSeconds() + " s waiting for " + what + "; last seen: "
                + Objects.toString(describe.apply(last)));
    }

    @Override
    public void close() {
        echoport.close();
    }
}
