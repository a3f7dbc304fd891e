package dev.echoport.faults;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * faults.slice with faults.slice-delay as the client measures it on every transport: 10,000 B sent at once come back
 * in 1,000 B chunks 100 ms apart. By every moment the client has at most the chunks whose time has come (chunk k
 * cannot leave before k x 100 ms after the bytes arrived), the last byte takes at least 900 ms, and every byte is in
 * order.
 */
class SliceFaultTest {
    @EveryTransport
    void the_echo_comes_in_chunks_with_a_pause_between(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "faults.slice = 1000",
                "faults.slice-delay = 100ms"));
             Socket s = Clients.connect(rs.address())) {
            byte[] payload = Clients.randomBytes(10_000, 9);
            long start = System.nanoTime();
            Thread writer = ClientView.writeInBackground(s, payload);
            ClientView view = ClientView.read(s, start, payload.length);
            writer.join(10_000);
            assertThat(view.bytes()).isEqualTo(payload);
            for (long[] read : view.reads()) {
                long chunksDue = 1 + (long) (read[0] / 100e6);
                assertThat(read[1]).as("bytes received %.0f ms after the start", read[0] / 1e6)
                        .isLessThanOrEqualTo(1000 * chunksDue);
            }
            System.out.printf("FIGURE slice 1000 B / 100 ms %s: 10,000 B in %d reads, last after %.0f ms%n",
                    transport.configName(), view.reads().size(), view.lastByteMillis());
            assertThat(view.lastByteMillis()).isGreaterThanOrEqualTo(900).isLessThan(900 + 3000);
            assertThat(rs.counter("echoport.faults.injected", "fault", "slice")).isEqualTo(1.0);
        }
    }
}
