package dev.echoport.echo;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** echo.idle-timeout closes silent connections and only those. */
class IdleTimeoutTest {

    @EveryTransport
    void a_silent_connection_is_closed_after_the_idle_timeout(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "echo.idle-timeout = 400ms"));
             Socket silent = Clients.connect(rs.address());
             Socket busy = Clients.connect(rs.address())) {
            long start = System.nanoTime();
            // keep the second connection busy past the timeout: it must stay open
            for (int i = 0; i < 8; i++) {
                assertThat(Clients.roundTrip(busy, new byte[]{(byte) i})).containsExactly((byte) i);
                Thread.sleep(100); // pacing the busy client's traffic, not synchronisation
            }
            assertThat(Clients.refusal(silent, 5000)).as("the silent connection was closed").isEqualTo("eof");
            long waitedMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(waitedMillis).as("not closed before its idle timeout").isGreaterThanOrEqualTo(400);
            assertThat(Clients.roundTrip(busy, new byte[]{42})).as("the busy connection survived").containsExactly(42);
            Await.until("one close counted as an idle timeout",
                    () -> rs.counter("echoport.connections.closed", "cause", "idle") == 1.0);
        }
    }
}
