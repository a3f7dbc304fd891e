package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Socket;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that never closes (and never sends) during a drain: the server closes it when the grace period ends and the
 * process exits 0 on its own, without SIGKILL.
 */
class DrainForceCloseTest {
    private static final Logger log = LoggerFactory.getLogger(DrainForceCloseTest.class);
    static final Duration GRACE = Duration.ofSeconds(2);

    /** OIO closes a connection only when its thread's blocking read wakes (SO_TIMEOUT, 1 s). */
    static long lateness(Transport transport) {
        return transport.isThreadPerConnection() ? 1_500 : 500;
    }

    @EveryTransport
    void a_client_that_never_closes_is_closed_at_the_end_of_the_grace_period(Transport transport) throws Exception {
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_TRANSPORT", transport.configName(),
                "ECHOPORT_SHUTDOWN_GRACE_PERIOD", GRACE.toMillis() + "ms"));
             Socket stubborn = Clients.connect(p.echoAddress())) {
            byte[] hello = Clients.randomBytes(32, Reliability.SEED);
            assertThat(Clients.roundTrip(stubborn, hello)).isEqualTo(hello);
            long t0 = System.nanoTime();
            p.signal("TERM"); // not Process.destroy(): that also closes our end of the child's stdout
            String seen = Clients.refusal(stubborn, (int) GRACE.plusSeconds(5).toMillis());
            long closedMillis = (System.nanoTime() - t0) / 1_000_000;
            int exit = p.awaitExit(Duration.ofSeconds(10));
            long exitMillis = (System.nanoTime() - t0) / 1_000_000;
            log.info("FIGURE drain {}: stubborn client saw {} after {} ms (grace {} ms), exit {} after {} ms",
                    transport, seen, closedMillis, GRACE.toMillis(), exit, exitMillis);
            assertThat(seen).as("the stubborn client was closed by the server, %s", transport).isIn("eof", "reset");
            assertThat(closedMillis).as("closed at the end of the grace period, not before, %s", transport)
                    .isBetween(GRACE.toMillis() - 100, GRACE.toMillis() + lateness(transport));
            assertThat(exit).isZero();
            assertThat(exitMillis).isLessThan(GRACE.toMillis() + lateness(transport) + 500);
            Await.until(String.format("drain summary: %s %s", p.stdout(), p.stderr()),
                    () -> p.stdout().stream().anyMatch(l -> l.contains("1 closed at its end")));
        }
    }
}
