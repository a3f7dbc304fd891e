package dev.echoport.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.echoport.testsupport.EchoportProcess;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/** A real Prometheus process on a free loopback port with its own temporary storage; killed by {@link #close()}. */
final class PrometheusServer implements AutoCloseable {
    static final Duration STARTUP_DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    private PrometheusServer(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /** Starts {@code binary} with {@code configYaml} in {@code workDir} and waits until it reports ready. */
    static PrometheusServer start(Path binary, Path workDir, String configYaml) throws IOException,
            InterruptedException {
        Path config = Files.writeString(workDir.resolve("prometheus.yml"), configYaml);
        Path data = Files.createDirectories(workDir.resolve("data"));
        Path log = workDir.resolve("prometheus.log");
        int port = EchoportProcess.freePort(); // never one of the echoport ports the same test was given
        Process p = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + data,
                "--web.listen-address=127.0.0.1:" + port)
                .directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusServer server = new PrometheusServer(p, log, port);
        try {
            server.awaitReady();
            return server;
        } catch (RuntimeException | Error | InterruptedException e) {
            server.close();
            throw e;
        }
    }

    private void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + STARTUP_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("prometheus exited with status " + process.exitValue() + ":\n" + log());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // keep polling until the deadline
            }
            Thread.sleep(100); // polling an external process
        }
        fail("prometheus not ready within " + STARTUP_DEADLINE.toSeconds() + " s:\n" + log());
    }

    int port() {
        return port;
    }

    HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** GET an API path and return its JSON body; fails unless Prometheus says {@code "status": "success"}. */
    JsonNode api(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = get(pathAndQuery);
        JsonNode body = json.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            fail("GET " + pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
        }
        return body.path("data");
    }

    /** The instant vector of {@code promql}, now. */
    List<JsonNode> query(String promql) throws IOException, InterruptedException {
        JsonNode data = api("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return java.util.stream.StreamSupport.stream(data.path("result").spliterator(), false).toList();
    }

    /** Prometheus' own log, for failure messages. */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no log)";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
