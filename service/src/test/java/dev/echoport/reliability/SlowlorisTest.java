package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thousands of connections that never send. With an idle timeout they are closed on time; without one they hold their
 * slots, and the server stays responsive for the traffic it admitted.
 */
class SlowlorisTest {
    private static final Logger log = LoggerFactory.getLogger(SlowlorisTest.class);
    static final long IDLE_TIMEOUT_MILLIS = 1_000;
    static final long LATENESS_BOUND_MILLIS = 1_000;
    /** OIO runs scheduled tasks only between blocking reads, which wake every SO_TIMEOUT (1 s): up to 1 s later. */
    static final long OIO_EXTRA_LATENESS_MILLIS = 1_000;
    static final long PING_P99_BOUND_MICROS = 50_000;

    /** OIO needs a thread per connection: 200 of them, not thousands (see docs/reliability.md). */
    static int silentConnections(Transport transport) {
        return transport.isThreadPerConnection() ? 200 : Reliability.ciOrHeavy(2_000, 5_000);
    }

    @EveryTransport
    void silent_connections_are_closed_when_the_idle_timeout_passes(Transport transport) throws Exception {
        int n = silentConnections(transport);
        List<Socket> silent = new ArrayList<>();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "admission.max-connections = 0",
                "echo.idle-timeout = " + IDLE_TIMEOUT_MILLIS + "ms"))) {
            long firstOpen = System.nanoTime();
            for (int i = 0; i < n; i++) {
                silent.add(Clients.connect(rs.address()));
            }
            long lastOpen = System.nanoTime();
            Await.until(String.format("all %d silent connections admitted on %s", n, transport),
                    () -> rs.server().counts().active() == n);
            long openMillis = (lastOpen - firstOpen) / 1_000_000;
            if (openMillis < IDLE_TIMEOUT_MILLIS - 100) {
                assertThat(rs.counter("echoport.connections.closed", "cause", "idle"))
                        .as("idle closes before the first connection was idle %d ms", IDLE_TIMEOUT_MILLIS).isZero();
            }
            long deadlineMillis = openMillis + IDLE_TIMEOUT_MILLIS + LATENESS_BOUND_MILLIS
                    + (transport.isThreadPerConnection() ? OIO_EXTRA_LATENESS_MILLIS : 0);
            Await.until(String.format(
                            "all %d closed within %d ms of the first open (opening took %d ms), %s; still open %d",
                            n, deadlineMillis, openMillis, transport, rs.server().counts().active()),
                    () -> rs.server().counts().active() == 0, Duration.ofMillis(deadlineMillis));
            long allClosedMillis = (System.nanoTime() - firstOpen) / 1_000_000;
            // A slot is released when a connection's close completes, its close is counted just after: wait for both.
            Await.until("every close counted as idle", () -> rs.counter("echoport.connections.closed", "cause",
                    "idle") == n);
            for (Socket s : silent) {
                assertThat(Clients.refusal(s, 2_000)).as("what the silent client saw").isIn("eof", "reset");
            }
            log.info("FIGURE slowloris {}: {} silent connections opened in {} ms, idle-timeout {} ms, all closed "
                    + "{} ms after the first open", transport, n, openMillis, IDLE_TIMEOUT_MILLIS, allClosedMillis);
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }

    @EveryTransport
    void without_idle_timeout_silent_connections_hold_slots_and_admitted_traffic_is_served(Transport transport)
            throws Exception {
        int n = silentConnections(transport);
        long seed = Reliability.SEED;
        List<Socket> silent = new ArrayList<>();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission.max-connections = " + (n + 1), "echo.idle-timeout = 0s"))) {
            for (int i = 0; i < n; i++) {
                silent.add(Clients.connect(rs.address()));
            }
            Await.until(String.format("silent connections admitted: %d of %d, %s",
                            rs.server().counts().active(), n, transport),
                    () -> rs.server().counts().active() == n);
            try (Socket active = Clients.connect(rs.address())) {
                Await.until("every silent connection and the active one admitted",
                        () -> rs.server().counts().active() == n + 1);
                try (Socket over = Clients.connect(rs.address())) {
                    assertThat(Clients.refusal(over, 2_000)).as("connection past the slots held by the silent ones")
                            .isIn("reset", "eof");
                }
                long[] rtt = new long[500];
                for (int i = 0; i < rtt.length; i++) {
                    byte[] p = Clients.randomBytes(64, seed + i);
                    long t = System.nanoTime();
                    byte[] back = Clients.roundTrip(active, p);
                    rtt[i] = System.nanoTime() - t;
                    assertThat(back).as("round trip %d, seed %d", i, seed).isEqualTo(p);
                }
                long p99 = Reliability.percentileMicros(rtt, 99);
                log.info("FIGURE slowloris-held {}: {} silent connections held, admitted client round trip p50 {} us "
                        + "p99 {} us", transport, n, Reliability.percentileMicros(rtt, 50), p99);
                assertThat(p99).as("round-trip p99 (us) beside %d silent connections, %s", n, transport)
                        .isLessThan(PING_P99_BOUND_MICROS);
                assertThat(rs.server().counts().active()).as("silent connections still hold their slots")
                        .isEqualTo(n + 1);
                assertThat(rs.counter("echoport.connections.closed", "cause", "idle")).isZero();
            }
        } finally {
            for (Socket s : silent) {
                s.close();
            }
        }
    }
}
