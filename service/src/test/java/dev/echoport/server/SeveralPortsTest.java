package dev.echoport.server;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code port = [a, b, c]}: a listener per port, the same echo on each, and one set of admission counts for all. */
class SeveralPortsTest {

    @EveryTransport
    void every_port_echoes_and_max_connections_counts_them_together(Transport transport) throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "port = [0, 0, 0]",
                "admission.max-connections = 2"))) {
            List<Integer> ports = ep.server().ports();
            assertThat(ports).hasSize(3).doesNotHaveDuplicates();
            // One after the other: each port has its own accept thread, so simultaneous connects race for the slots.
            try (Socket a = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(0)))) {
                assertThat(Clients.roundTrip(a, new byte[]{1})).containsExactly(1);
                try (Socket b = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(1)))) {
                    assertThat(Clients.roundTrip(b, new byte[]{2})).containsExactly(2);
                    try (Socket c = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(2)))) {
                        assertThat(Clients.refusal(c, 5000)).as("the third connection, on the third port")
                                .isEqualTo("reset");
                    }
                }
            }
            assertThat(ep.counter("echoport.connections.rejected", "reason", "max_connections")).isEqualTo(1.0);
            for (int i = 0; i < ports.size(); i++) {
                awaitFree(ep);
                try (Socket s = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(i)))) {
                    assertThat(Clients.roundTrip(s, new byte[]{(byte) i})).as("port %d", ports.get(i))
                            .containsExactly(i);
                }
            }
        }
    }

    private static void awaitFree(RunningEchoport ep) {
        dev.echoport.testsupport.Await.until("slots free again", () -> ep.server().counts().active() == 0);
    }
}
