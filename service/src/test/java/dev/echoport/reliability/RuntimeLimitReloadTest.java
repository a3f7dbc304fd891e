package dev.echoport.reliability;

import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import ch.qos.logback.classic.Level;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * max-connections, the per-IP limit and the CIDR lists change at run time when the config file is re-read (SIGHUP,
 * which calls Echoport.reload(); there is no file watch): new connections follow the new rules, open ones stay, and an
 * invalid file is refused with one ERROR line while the old rules stay in force.
 */
class RuntimeLimitReloadTest {
    @TempDir
    Path dir;

    @EveryTransport
    void reloaded_limits_and_cidrs_apply_to_new_connections_and_bad_reloads_change_nothing(Transport transport)
            throws Exception {
        long seed = Reliability.SEED;
        Path conf = dir.resolve("echoport.conf");
        write(conf, transport, "max-connections = 10");
        List<Socket> open = new ArrayList<>();
        try (RunningEchoport ep = RunningEchoport.start(conf)) {
            InetSocketAddress to = ep.address();
            for (int i = 0; i < 4; i++) {
                open.add(admitted("127.0.0.1", to, seed));
            }
            // Lower max-connections below what is open: open ones stay, new ones are refused.
            write(conf, transport, "max-connections = 3");
            assertThat(ep.echoport().reload()).isTrue();
            assertThat(refused("127.0.0.1", to, seed)).as("new connection past the reloaded limit 3").isTrue();
            for (Socket s : open) {
                echoes(s, seed);
            }
            for (Socket s : open) {
                s.close();
            }
            open.clear();
            awaitActive(ep, 0);

            // Per-IP limit and CIDR lists.
            write(conf, transport, "max-connections = 100, max-connections-per-ip = 2, deny = [\"127.0.0.3/32\"]");
            assertThat(ep.echoport().reload()).isTrue();
            open.add(admitted("127.0.0.2", to, seed));
            open.add(admitted("127.0.0.2", to, seed));
            assertThat(refused("127.0.0.2", to, seed)).as("third from 127.0.0.2 at per-IP limit 2").isTrue();
            assertThat(refused("127.0.0.3", to, seed)).as("127.0.0.3 denied").isTrue();
            open.add(admitted("127.0.0.4", to, seed));

            write(conf, transport, "max-connections = 100, allow = [\"127.0.0.4/32\"]");
            assertThat(ep.echoport().reload()).isTrue();
            assertThat(refused("127.0.0.2", to, seed)).as("127.0.0.2 outside the reloaded allow list").isTrue();
            open.add(admitted("127.0.0.4", to, seed));

            // Invalid reloads: refused with one ERROR line, the rules stay.
            CapturingAppender.clear();
            for (String bad : List.of("max-connections = -1", "allow = [\"127.0.0.0/99\"]",
                    "max-connections-per-ip = \"two\"", "deny = [\"fe80::1%eth0\"]")) {
                write(conf, transport, bad);
                assertThat(ep.echoport().reload()).as("reload of %s", bad).isFalse();
            }
            Files.writeString(conf, "echoport { this is not hocon");
            assertThat(ep.echoport().reload()).isFalse();
            List<String> errors = CapturingAppender.messages("dev.echoport", Level.ERROR);
            assertThat(errors).hasSize(5).allMatch(m -> m.startsWith("reload refused, the running settings stay: ")
                    && !m.contains("\n"));
            assertThat(refused("127.0.0.2", to, seed)).as("the allow list stays after bad reloads").isTrue();
            open.add(admitted("127.0.0.4", to, seed));
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @EveryTransport
    void sighup_reloads_the_file_in_the_running_process(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        Path conf = dir.resolve("echoport.conf");
        write(conf, transport, "max-connections = 10");
        try (EchoportProcess p = EchoportProcess.start(Map.of(), "--config", conf.toString())) {
            try (Socket s = admitted("127.0.0.1", p.echoAddress(), seed)) {
                write(conf, transport, "max-connections = 10, deny = [\"127.0.0.1/32\"]");
                p.signal("HUP");
                p.awaitStdout(l -> l.contains("reloaded admission rules"), Duration.ofSeconds(10));
                assertThat(refused("127.0.0.1", p.echoAddress(), seed)).as("denied after SIGHUP").isTrue();
                echoes(s, seed);
                write(conf, transport, "max-connections = oops");
                p.signal("HUP");
                p.awaitStdout(l -> l.contains("reload refused, the running settings stay"), Duration.ofSeconds(10));
                assertThat(refused("127.0.0.1", p.echoAddress(), seed)).as("still denied").isTrue();
                try (Socket other = admitted("127.0.0.2", p.echoAddress(), seed)) { // admitted() asserts the echo
                    echoes(other, seed);
                }
            }
        }
    }

    /** The listener settings are fixed (loopback, port 0 in-process; the process takes them from its env). */
    private static void write(Path conf, Transport transport, String admission) throws IOException {
        Files.writeString(conf, "echoport { host = \"127.0.0.1\", port = 0, transport = " + transport.configName()
                + "\n admission { " + admission + " } }\n");
    }

    private static void awaitActive(RunningEchoport ep, int n) throws InterruptedException {
        Await.until(n + " active connections", () -> ep.echoport().server().counts().active() == n);
    }

    private static Socket admitted(String from, InetSocketAddress to, long seed) throws IOException {
        Socket s = Clients.connectFrom(from, to);
        echoes(s, seed);
        return s;
    }

    private static void echoes(Socket s, long seed) throws IOException {
        byte[] msg = Clients.randomBytes(64, seed);
        assertThat(Arrays.equals(Clients.roundTrip(s, msg), msg)).as("echo, seed %d", seed).isTrue();
    }

    private static boolean refused(String from, InetSocketAddress to, long seed) throws IOException {
        Socket s;
        try {
            s = Clients.connectFrom(from, to);
        } catch (java.net.SocketException resetDuringConnect) {
            return true;
        }
        try (s) {
            return List.of("reset", "eof").contains(Clients.refusal(s, 3_000));
        }
    }
}
