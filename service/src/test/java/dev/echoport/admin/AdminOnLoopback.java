package dev.echoport.admin;

import dev.echoport.config.Settings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * An {@link AdminServer} alone on 127.0.0.1 with an ephemeral port and the limits a test chooses, with a registry
 * filled to the size of a real echoport's (a /metrics answer of about 14 KB).
 */
final class AdminOnLoopback implements AutoCloseable {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AdminServer server;

    AdminOnLoopback(int maxConnections, Duration requestTimeout, Duration idleTimeout) {
        for (int i = 0; i < 200; i++) {
            Counter.builder("filler.counter." + i).description("size like a real registry").register(registry);
        }
        server = new AdminServer(new Settings.Admin(true, "127.0.0.1", 0)
                .withLimits(maxConnections, requestTimeout, idleTimeout), registry, () -> true, () -> "running")
                .start();
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.localAddress().getPort());
    }

    Socket connect() throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.connect(address(), 10_000);
        return s;
    }

    /** A kubelet-style probe: new connection, {@code GET path} with {@code Connection: close}; the status line. */
    String probe(String path) throws IOException {
        String answer = answer(path);
        return answer.isEmpty() ? "closed" : answer.substring(0, answer.indexOf("\r\n"));
    }

    /** The whole answer (head and body) to {@code GET path} on a new connection closed after it. */
    String answer(String path) throws IOException {
        try (Socket s = connect()) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Reads until the server closes; what it sent. */
    static String readToEnd(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException reset) {
            return "(reset)";
        }
    }

    @Override
    public void close() {
        server.close();
        registry.close();
    }
}
