package dev.echoport.faults;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * faults.bandwidth as the client measures it on every transport: 256 KiB at 128 KiB/s. By every moment the client
 * has received no more than the rate allows since it started sending (the server cannot send earlier than that,
 * however loaded the machine), the whole echo takes at least the 2 s the rate implies and, with generous slack, not
 * much longer; every byte comes back in order.
 */
class BandwidthFaultTest {
    static final int RATE = 128 * 1024;
    static final int TOTAL = 256 * 1024;
    /** Allowance above rate x time: the first tick's chunk, and rounding at chunk boundaries. */
    static final int BURST = 8 * 1024;

    @EveryTransport
    void the_echo_leaves_at_the_configured_rate(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "faults.bandwidth = 128KiB"));
             Socket s = Clients.connect(rs.address())) {
            byte[] payload = Clients.randomBytes(TOTAL, 5);
            long start = System.nanoTime();
            Thread writer = ClientView.writeInBackground(s, payload);
            ClientView view = ClientView.read(s, start, TOTAL);
            writer.join(10_000);
            assertThat(view.bytes()).isEqualTo(payload);
            for (long[] read : view.reads()) {
                double allowed = BURST + RATE * (read[0] / 1e9);
                assertThat((double) read[1]).as("bytes received %.0f ms after the start", read[0] / 1e6)
                        .isLessThanOrEqualTo(allowed);
            }
            double expectedMillis = (TOTAL - BURST) * 1000.0 / RATE;
            System.out.printf("FIGURE bandwidth 128 KiB/s %s: 256 KiB echoed in %.0f ms (rate alone: %.0f ms)%n",
                    transport.configName(), view.lastByteMillis(), TOTAL * 1000.0 / RATE);
            assertThat(view.lastByteMillis()).isGreaterThanOrEqualTo(expectedMillis)
                    .isLessThan(3 * expectedMillis + 1000);
            assertThat(rs.counter("echoport.faults.injected", "fault", "bandwidth")).isEqualTo(1.0);
        }
    }
}
