package dev.echoport.testsupport;

import com.typesafe.config.ConfigFactory;
import dev.echoport.Echoport;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.server.EchoServer;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.fail;

/**
 * The one in-process fixture: a whole echoport (echo, admin, metrics) on loopback with ephemeral ports, for
 * try-with-resources. Counters are read from its own registry ({@link #counter}) or through {@code /metrics}
 * ({@link #scrape}); {@link #echoport()} gives the process object (reload, server).
 */
public final class RunningEchoport implements AutoCloseable {
    private final Echoport echoport;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RunningEchoport(Echoport echoport) {
        this.echoport = echoport;
    }

    /** {@code settings} (e.g. from {@link TestSettings}) with the admin endpoint on an ephemeral loopback port. */
    public static RunningEchoport start(Settings settings) {
        return new RunningEchoport(new Echoport(withAdmin(settings), Optional.empty(), Optional.empty()).start());
    }

    /** As {@link #start(Settings)}, with {@code extraPolicy} asked after the built-in rules. */
    public static RunningEchoport start(Settings settings, AdmissionPolicy extraPolicy) {
        return new RunningEchoport(new Echoport(withAdmin(settings), Optional.empty(), Optional.of(extraPolicy))
                .start());
    }

    /** On {@code transport}, with {@code hocon} (keys inside {@code echoport { }}) over the defaults. */
    public static RunningEchoport start(Transport transport, String... hocon) {
        return start(TestSettings.of(transport, hocon));
    }

    /** With {@code hocon} over the defaults (transport auto unless it says otherwise). */
    public static RunningEchoport start(String hocon) {
        return start(SettingsLoader.fromConfig(ConfigFactory.parseString(
                        "echoport { host = \"127.0.0.1\", port = 0, admin.port = 0\n" + hocon + "\n}")
                .withFallback(SettingsLoader.defaults()).resolve()));
    }

    /**
     * From a config {@code file}, so that {@link Echoport#reload()} re-reads it; the file must put the echo listener
     * on loopback with port 0.
     */
    public static RunningEchoport start(Path file) {
        Settings settings = SettingsLoader.load(Optional.of(file));
        return new RunningEchoport(new Echoport(withAdmin(settings), Optional.of(file), Optional.empty()).start());
    }

    private static Settings withAdmin(Settings settings) {
        return settings.withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
    }

    public Echoport echoport() {
        return echoport;
    }

    public EchoServer server() {
        return echoport.server();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server().port());
    }

    public int echoPort() {
        return server().port();
    }

    public int adminPort() {
        return echoport.admin().orElseThrow().localAddress().getPort();
    }

    /**
     * A counter (or function counter) by its Micrometer name and tags, summed over the tags not named (over every port
     * unless {@code "port"} is named); NaN if there is none.
     */
    public double counter(String name, String... tags) {
        return Meters.sum(echoport.registry(), name, tags);
    }

    public URI admin(String path) {
        return URI.create("http://127.0.0.1:" + adminPort() + path);
    }

    public HttpResponse<String> get(String path, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin(path)).timeout(Duration.ofSeconds(10)).GET();
        if (accept != null) {
            b.header("Accept", accept);
        }
        return send(b.build());
    }

    public HttpResponse<String> send(HttpRequest request) {
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
    public Exposition scrape() {
        HttpResponse<String> r = get("/metrics", null);
        if (r.statusCode() != 200) {
            fail("GET /metrics answered " + r.statusCode() + ": " + r.body());
        }
        return Exposition.parse(r.body());
    }

    /**
     * Scrapes until the samples with these labels sum to {@code expected} (over every port unless {@code port} is one
     * of them); fails with the last sum seen at the deadline.
     */
    public Exposition awaitValue(String name, Map<String, String> labels, double expected) {
        return awaitScrape(name + labels + " == " + expected,
                e -> e.sum(name, labels).map(v -> v == expected).orElse(false),
                e -> String.valueOf(e.sum(name, labels).orElse(null)));
    }

    public Exposition awaitValue(String name, double expected) {
        return awaitValue(name, Map.of(), expected);
    }

    /** Scrapes until {@code condition} holds; fails at the deadline saying what was last seen. */
    public Exposition awaitScrape(String what, Predicate<Exposition> condition, Function<Exposition, String> describe) {
        Exposition[] last = new Exposition[1];
        try {
            return Await.value(what, this::scrape, e -> {
                last[0] = e;
                return condition.test(e);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: "
                    + (last[0] == null ? "nothing" : describe.apply(last[0])), e);
        }
    }

    @Override
    public void close() {
        echoport.close();
    }
}
