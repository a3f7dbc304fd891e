package dev.echoport.faults;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The faults that end connections, as the client sees them on every transport: exactly N echoed bytes (the first N
 * it sent) and then EOF (close-after-bytes) or a reset (reset-after-bytes), however much more it sends; a reset at the
 * configured time after connecting (reset-after). Each counted once as {@code cause="fault"}.
 */
class ConnectionEndFaultTest {
    static final int LIMIT = 10_000;

    @EveryTransport
    void close_after_bytes_echoes_exactly_that_many_then_fin(Transport transport) throws Exception {
        endsAfterExactly(transport, "faults.close-after-bytes = " + LIMIT, "eof", "close_after_bytes");
    }

    @EveryTransport
    void reset_after_bytes_echoes_exactly_that_many_then_rst(Transport transport) throws Exception {
        endsAfterExactly(transport, "faults.reset-after-bytes = " + LIMIT, "reset", "reset_after_bytes");
    }

    private static void endsAfterExactly(Transport transport, String fault, String ending, String label)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, fault));
             Socket s = Clients.connect(rs.address())) {
            byte[] payload = Clients.randomBytes(10 * LIMIT, 3); // the client sends ten times more
            Thread writer = ClientView.writeInBackground(s, payload);
            ClientView view = ClientView.read(s, System.nanoTime(), Long.MAX_VALUE);
            s.close();
            writer.join(10_000);
            assertThat(view.ending()).as("how the stream ended").isEqualTo(ending);
            assertThat(view.bytes()).as("the first %d bytes sent, no more", LIMIT)
                    .isEqualTo(Arrays.copyOf(payload, LIMIT));
            Await.until("closed{cause=fault} = 1",
                    () -> rs.counter("echoport.connections.closed", "cause", "fault") == 1.0);
            assertThat(rs.counter("echoport.faults.injected", "fault", label)).isEqualTo(1.0);
            assertThat(rs.counter("echoport.connections.closed", "cause", "error")).isZero();
        }
    }

    @EveryTransport
    void reset_after_resets_the_connection_at_that_time(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "faults.reset-after = 500ms"))) {
            long start = System.nanoTime();
            try (Socket s = Clients.connect(rs.address())) {
                byte[] msg = Clients.randomBytes(100, 1);
                int echoed = 0;
                String ending;
                while (true) { // round trips until the reset
                    try {
                        assertThat(Clients.roundTrip(s, msg)).isEqualTo(msg);
                        echoed++;
                    } catch (java.io.IOException e) {
                        ending = e.getMessage();
                        break;
                    }
                }
                double millis = (System.nanoTime() - start) / 1e6;
                System.out.printf("FIGURE reset-after 500ms %s: reset seen after %.0f ms, %d round trips before%n",
                        transport.configName(), millis, echoed);
                assertThat(ending).containsIgnoringCase("reset");
                assertThat(echoed).isPositive();
                assertThat(millis).isGreaterThanOrEqualTo(500).isLessThan(500 + 1500);
            }
            Await.until("injected{reset_after} = 1",
                    () -> rs.counter("echoport.faults.injected", "fault", "reset_after") == 1.0);
            // counted when the channel goes inactive, which may come a moment after the RST
            Await.until("closed{cause=fault} = 1",
                    () -> rs.counter("echoport.connections.closed", "cause", "fault") == 1.0);
            assertThat(rs.counter("echoport.connections.closed", "cause", "client")).isZero();
        }
    }
}
