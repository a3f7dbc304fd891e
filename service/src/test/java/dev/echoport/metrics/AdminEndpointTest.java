package dev.echoport.metrics;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.transport.TransportSelection;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin HTTP endpoint over a real socket: both exposition formats, the health probes (readiness turning 503 when
 * a drain starts), and the error answers (404, 405, 400, 431, 414).
 */
class AdminEndpointTest {

    @Test
    void servesThePrometheusTextFormatByDefault() {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            HttpResponse<String> r = ep.get("/metrics", null);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            assertThat(r.body()).contains("# TYPE echoport_connections_accepted_total counter\n")
                    .doesNotContain("# EOF");
            assertThat(Exposition.parse(r.body()).value("echoport_connections_accepted_total")).hasValue(0.0);
        }
    }

    @Test
    void servesOpenMetricsWhenAcceptAsksForIt() {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            // What Prometheus 2.x sends.
            HttpResponse<String> r = ep.get("/metrics", "application/openmetrics-text;version=1.0.0,"
                    + "application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    ct -> assertThat(ct).startsWith("application/openmetrics-text"));
            assertThat(r.body()).endsWith("# EOF\n").contains("# TYPE echoport_connections_accepted counter\n");
            Exposition e = Exposition.parse(r.body());
            assertThat(e.value("echoport_connections_accepted_total")).hasValue(0.0);
            assertThat(e.value("echoport_transport_info", Map.of("requested", "auto"))).hasValue(1.0);
        }
    }

    @Test
    void showsWhatAutoChose() {
        try (RunningEchoport ep = RunningEchoport.start("transport = auto")) {
            List<Exposition.Sample> info = ep.scrape().samples("echoport_transport_info");
            assertThat(info).hasSize(1);
            assertThat(info.get(0).labels()).containsEntry("requested", "auto")
                    .containsEntry("active", TransportSelection.resolve("auto").active().configName());
        }
    }

    @Test
    void answersHeadWithTheLengthOfGetAndNoBody() {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            HttpResponse<String> r = ep.send(HttpRequest.newBuilder(ep.admin("/health/live"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValueAsLong("Content-Length")).hasValue("live\n".length());
            assertThat(r.body()).isEmpty();
        }
    }

    @Test
    void answersUnknownPathsWith404AndOtherMethodsWith405() {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            assertThat(ep.get("/nope", null).statusCode()).isEqualTo(404);
            assertThat(ep.get("/metrics/extra", null).statusCode()).isEqualTo(404);
            HttpResponse<String> post = ep.send(HttpRequest.newBuilder(ep.admin("/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build());
            assertThat(post.statusCode()).isEqualTo(405);
            assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
            assertThat(ep.get("/metrics?x=1", null).statusCode()).as("a query string is not part of the path")
                    .isEqualTo(200);
        }
    }

    @Test
    void answersMalformedAndOversizedRequestsAndCloses() throws IOException {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            assertThat(raw(ep, "GET /metrics\r\n\r\n")).startsWith("HTTP/1.1 400 ");
            assertThat(raw(ep, "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n"))
                    .startsWith("HTTP/1.1 431 ");
            assertThat(raw(ep, "GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                    .startsWith("HTTP/1.1 414 ");
            assertThat(ep.get("/health/live", null).statusCode()).as("still serving").isEqualTo(200);
        }
    }

    @Test
    void livenessIs200AndReadinessTurns503WhenDrainStarts() throws Exception {
        try (RunningEchoport ep = RunningEchoport.start("")) {
            assertThat(ep.get("/health/live", null).statusCode()).isEqualTo(200);
            HttpResponse<String> ready = ep.get("/health/ready", null);
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).isEqualTo("ready\n");
            CompletableFuture<Integer> drained;
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(s, new byte[]{1});
                // The open connection keeps the drain waiting (grace 30 s) until the client closes it.
                drained = CompletableFuture.supplyAsync(() -> ep.echoport().server().drain(Duration.ofSeconds(30)));
                HttpResponse<String> draining = awaitStatus(ep, "/health/ready", 503);
                assertThat(draining.body()).isEqualTo("not ready: draining\n");
                assertThat(ep.get("/health/live", null).statusCode()).as("live while draining").isEqualTo(200);
                assertThat(drained).isNotDone();
            }
            assertThat(drained.get(10, TimeUnit.SECONDS)).as("connections closed by the drain").isZero();
            ep.awaitValue("echoport_connections_closed_total", Map.of("cause", "client"), 1);
            assertThat(ep.get("/health/ready", null).statusCode()).isEqualTo(503);
        }
    }

    private static HttpResponse<String> awaitStatus(RunningEchoport ep, String path, int status) {
        return Await.value(path + " answering " + status, () -> ep.get(path, null), r -> r.statusCode() == status);
    }

    /** Sends {@code request} as is and returns the status line of the answer; the server must then close. */
    private static String raw(RunningEchoport ep, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", ep.adminPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).as("answer to a bad request, then close").contains("\r\n\r\n");
            return answer.substring(0, answer.indexOf("\r\n"));
        }
    }
}
