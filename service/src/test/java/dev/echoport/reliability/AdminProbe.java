package dev.echoport.reliability;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;

/** GETs on a child process's admin endpoint: the status code, or -1 when it did not answer. */
final class AdminProbe {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private AdminProbe() {
    }

    static int status(int adminPort, String path) {
        return get(adminPort, path).statusCode();
    }

    static HttpResponse<String> get(int adminPort, String path) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                .timeout(Duration.ofSeconds(5)).GET().build();
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return new Unanswered(req);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Unanswered(req);
        }
    }

    /** Stands for "no answer" so callers can poll without exceptions. */
    private record Unanswered(HttpRequest request) implements HttpResponse<String> {
        @Override public int statusCode() { return -1; }
        @Override public Optional<HttpResponse<String>> previousResponse() { return Optional.empty(); }
        @Override public HttpHeaders headers() { return HttpHeaders.of(Map.of(), (a, b) -> true); }
        @Override public String body() { return ""; }
        @Override public Optional<SSLSession> sslSession() { return Optional.empty(); }
        @Override public URI uri() { return request.uri(); }
        @Override public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }
}
