package dev.echoport.server;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.testsupport.RunningEchoport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What only the process shows: exit status and one-line errors, environment overrides, the drain on SIGTERM. */
class ProcessLifecycleTest {

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            ECHOPORT_PORT                  | abc     | echoport: config error: echoport.port = "abc": expected a port from 0 to 65535, or a list of ports
            ECHOPORT_TRANSPORT             | kqueue  | echoport: config error: echoport.transport = kqueue: not available on this host (
            ECHOPORT_TRANSPORT             | select  | echoport: config error: echoport.transport = "select": expected one of auto | oio | nio | epoll | kqueue | io_uring
            ECHOPORT_MAX_CONNECTIONS       | -5      | echoport: config error: echoport.admission.max-connections = "-5": expected an integer from 0 to 10000000
            ECHOPORT_DENY                  | 10.0.0  | echoport: config error: echoport.admission.deny[0] = "10.0.0": not an IP address literal
            ECHOPORT_IDLE_TIMEOUT          | later   | echoport: config error: echoport.echo.idle-timeout = "later": expected a duration
            ECHOPORT_OVER_LIMIT            | wait    | echoport: config error: echoport.admission.over-limit = "wait": expected one of reject | defer
            """)
    void a_bad_environment_value_exits_2_with_one_line_naming_the_key(String variable, String value, String expected)
            throws Exception {
        int port = EchoportProcess.freePort();
        Map<String, String> env = new java.util.HashMap<>(Map.of("ECHOPORT_HOST", "127.0.0.1",
                "ECHOPORT_PORT", String.valueOf(port), "ECHOPORT_ADMIN_PORT", "0"));
        env.put(variable, value);
        try (EchoportProcess p = EchoportProcess.launch(env)) {
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(p.stderr()).hasSize(1);
            assertThat(p.stderr().get(0)).startsWith(expected.strip());
            assertThat(p.stdout()).noneMatch(l -> l.contains(EchoportProcess.STARTED));
            if (!variable.equals("ECHOPORT_PORT")) {
                assertThat(isFree(port)).as("nothing was bound").isTrue();
            }
        }
    }

    @Test
    void a_missing_config_file_and_an_unknown_argument_exit_2() throws Exception {
        try (EchoportProcess p = EchoportProcess.launch(Map.of(), "--config", "/no/such/echoport.conf")) {
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(p.stderr()).containsExactly(
                    "echoport: config error: config file /no/such/echoport.conf: not found or not readable");
        }
        try (EchoportProcess p = EchoportProcess.launch(Map.of(), "--frobnicate")) {
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            assertThat(p.stderr().get(0)).isEqualTo("echoport: unknown argument: --frobnicate");
        }
    }

    @Test
    void a_port_in_use_exits_2_naming_the_address() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            try (EchoportProcess p = EchoportProcess.launch(Map.of("ECHOPORT_HOST", "127.0.0.1",
                    "ECHOPORT_PORT", String.valueOf(port), "ECHOPORT_ADMIN_PORT", "0"))) {
                assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
                assertThat(p.stderr()).hasSize(1);
                assertThat(p.stderr().get(0)).startsWith("echoport: echoport.port = " + port
                        + ": cannot listen on 127.0.0.1:" + port + " (").contains("in use");
            }
        }
    }

    @Test
    void a_config_file_is_layered_under_the_environment(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path conf = dir.resolve("echoport.conf");
        Files.writeString(conf, "echoport { transport = nio, admission.max-connections = 3 }\n");
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_MAX_CONNECTIONS", "4"),
                "--config", conf.toString())) {
            String started = p.awaitStdout(l -> l.contains(EchoportProcess.STARTED), Duration.ofSeconds(5));
            assertThat(started).contains("transport nio").contains("max-connections=4")
                    .contains("echo on 127.0.0.1:" + p.echoPort());
            try (Socket s = Clients.connect(p.echoAddress())) {
                assertThat(Clients.roundTrip(s, "hello".getBytes())).isEqualTo("hello".getBytes());
            }
            p.signal("TERM");
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();
        }
    }

    @Test
    void sigterm_turns_readiness_off_lets_open_connections_finish_then_closes_them_and_exits_0() throws Exception {
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_SHUTDOWN_GRACE_PERIOD", "3s"));
             Socket open = Clients.connect(p.echoAddress())) {
            assertThat(status(p, "/health/ready")).isEqualTo(200);
            assertThat(Clients.roundTrip(open, new byte[]{1, 2, 3})).containsExactly(1, 2, 3);

            long t0 = System.nanoTime();
            p.signal("TERM");
            Await.until("readiness flips to 503 while draining", () -> status(p, "/health/ready") == 503);
            assertThat(status(p, "/health/live")).isEqualTo(200);
            assertThat(Clients.roundTrip(open, new byte[]{4, 5})).as("an open connection keeps echoing in the drain")
                    .containsExactly(4, 5);
            try (Socket late = new Socket()) {
                assertThat(connectRefused(late, p.echoAddress())).as("no new connections while draining").isTrue();
            }
            assertThat(Clients.refusal(open, 10_000)).as("closed at the end of the grace period").isEqualTo("eof");
            assertThat(p.awaitExit(Duration.ofSeconds(15))).isZero();
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(tookMillis).as("waited for the grace period, not much more").isBetween(2_500L, 12_000L);
            assertThat(p.stdout()).anyMatch(l -> l.contains("0 of 1 open connections ended within the grace period, "
                    + "1 closed at its end"));
        }
    }

    @Test
    void the_healthcheck_mode_exits_0_only_when_live() throws Exception {
        try (EchoportProcess p = EchoportProcess.start(Map.of())) {
            try (EchoportProcess hc = EchoportProcess.launch(Map.of(), "healthcheck",
                    "http://127.0.0.1:" + p.adminPort() + "/health/live")) {
                assertThat(hc.awaitExit(Duration.ofSeconds(30))).isZero();
            }
            p.signal("TERM");
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isZero();
            try (EchoportProcess hc = EchoportProcess.launch(Map.of(), "healthcheck",
                    "http://127.0.0.1:" + p.adminPort() + "/health/live")) {
                assertThat(hc.awaitExit(Duration.ofSeconds(30))).isEqualTo(1);
            }
        }
    }

    private static int status(EchoportProcess p, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + p.adminPort() + path)
                    .toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(2000);
            int s = c.getResponseCode();
            c.disconnect();
            return s;
        } catch (IOException e) {
            return -1;
        }
    }

    private static boolean connectRefused(Socket s, InetSocketAddress to) {
        try {
            s.connect(to, 2000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
