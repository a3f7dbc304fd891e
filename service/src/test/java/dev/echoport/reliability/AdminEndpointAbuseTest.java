package dev.echoport.reliability;

import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed HTTP, oversized request lines, headers and bodies, more connections than allowed and many concurrent
 * scrapes on the admin port: it answers 4xx (or closes), keeps serving health and metrics (a probe gets in while more
 * connections than the limit are held), and the echo path, on every transport, is unaffected throughout.
 */
class AdminEndpointAbuseTest {
    @TempDir
    Path dir;

    @EveryTransport
    void admin_abuse_gets_4xx_and_neither_admin_nor_echo_stops_serving(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        Path conf = dir.resolve("echoport.conf");
        Files.writeString(conf, "echoport { host = \"127.0.0.1\", port = 0, transport = " + transport.configName()
                + " }\n");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try (RunningEchoport ep = RunningEchoport.start(conf);
             Socket echo = Clients.connect(ep.address())) {
            InetSocketAddress admin = new InetSocketAddress("127.0.0.1", ep.adminPort());
            List<String> cases = List.of(
                    "GARBAGE\r\n\r\n",
                    "\u0000\u0001\u0002\u00ff\r\n\r\n",
                    "GET /" + "a".repeat(5_000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9_000) + "\r\n\r\n",
                    "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 9000\r\n\r\n" + "c".repeat(9_000),
                    "DELETE /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
                    "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
            for (String c : cases) {
                String status = statusLine(admin, c);
                assertThat(status).as("answer to %s", c.length() > 60 ? c.substring(0, 60) + "..." : c)
                        .matches("HTTP/1\\.[01] 4\\d\\d.*|closed");
                echoes(echo, seed);
            }
            // More connections than the admin allows (64), held open: the longest-waiting ones are closed to make
            // room, so a probe arriving now is still answered; nothing hangs.
            List<Socket> hogs = new ArrayList<>();
            try {
                for (int i = 0; i < 100; i++) {
                    hogs.add(Clients.connect(admin));
                }
                Await.until("the admin table full", () -> ep.echoport().admin().orElseThrow().openConnections() == 64);
                assertThat(statusLine(admin, "GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                        .as("a probe among 100 held connections").isEqualTo("HTTP/1.1 200 OK");
                echoes(echo, seed);
            } finally {
                for (Socket s : hogs) {
                    s.close();
                }
            }
            // Many concurrent scrapes (within the connection limit): all answered.
            List<Future<Integer>> scrapes = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                scrapes.add(pool.submit(() -> AdminProbe.status(ep.adminPort(), "/metrics")));
            }
            int ok = 0;
            for (Future<Integer> f : scrapes) {
                ok += f.get(30, TimeUnit.SECONDS) == 200 ? 1 : 0;
            }
            assertThat(ok).as("concurrent scrapes answered 200").isEqualTo(200);
            assertThat(AdminProbe.status(ep.adminPort(), "/health/live")).isEqualTo(200);
            assertThat(AdminProbe.status(ep.adminPort(), "/health/ready")).isEqualTo(200);
            echoes(echo, seed);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void echoes(Socket echo, long seed) throws IOException {
        byte[] msg = Clients.randomBytes(128, seed);
        assertThat(Clients.roundTrip(echo, msg)).as("echo path, seed %d", seed).isEqualTo(msg);
    }

    /** Sends {@code request} raw and returns the status line, or "closed" if the server closed without one. */
    private static String statusLine(InetSocketAddress admin, String request) throws IOException {
        try (Socket s = Clients.connect(admin)) {
            s.setSoTimeout(5_000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException closedWhileWriting) {
                return "closed";
            }
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            try {
                for (int c; (c = in.read()) >= 0 && c != '\n'; ) {
                    line.append((char) c);
                }
            } catch (java.net.SocketException reset) {
                return line.length() == 0 ? "closed" : line.toString().strip();
            }
            return line.length() == 0 ? "closed" : line.toString().strip();
        }
    }
}
