package dev.echoport.server;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code port = [a, b, c]}: a listener per port, the same echo on each, one set of admission counts for all, and each
 * port's traffic under its own {@code port} label.
 */
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
            assertThat(ep.counter("echoport.connections.rejected", "port", ports.get(2).toString(),
                    "reason", "max_connections")).as("counted on the port it came in on").isEqualTo(1.0);
            for (int i = 0; i < ports.size(); i++) {
                awaitFree(ep);
                try (Socket s = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(i)))) {
                    assertThat(Clients.roundTrip(s, new byte[]{(byte) i})).as("port %d", ports.get(i))
                            .containsExactly(i);
                }
            }
        }
    }

    @EveryTransport
    void metrics_count_each_port_under_its_own_port_label(Transport transport) throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "port = [0, 0]"))) {
            List<Integer> ports = ep.server().ports();
            String first = ports.get(0).toString();
            String second = ports.get(1).toString();
            try (Socket s = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(0)))) {
                assertThat(Clients.roundTrip(s, new byte[100])).hasSize(100);
            }
            for (int i = 0; i < 2; i++) {
                try (Socket s = Clients.connect(new InetSocketAddress("127.0.0.1", ports.get(1)))) {
                    assertThat(Clients.roundTrip(s, new byte[7])).hasSize(7);
                }
            }
            Exposition x = ep.awaitValue("echoport_bytes_sent_total", Map.of("port", second), 14);
            assertThat(x.value("echoport_bytes_sent_total", Map.of("port", first))).contains(100.0);
            assertThat(x.value("echoport_bytes_received_total", Map.of("port", first))).contains(100.0);
            assertThat(x.value("echoport_bytes_received_total", Map.of("port", second))).contains(14.0);
            assertThat(x.value("echoport_connections_accepted_total", Map.of("port", first))).contains(1.0);
            assertThat(x.value("echoport_connections_accepted_total", Map.of("port", second))).contains(2.0);
            assertThat(x.samples("echoport_connections_accepted_total")).as("one series per bound port, no other")
                    .extracting(sample -> sample.labels().get("port")).containsExactlyInAnyOrder(first, second);
        }
    }

    private static void awaitFree(RunningEchoport ep) {
        Await.until("slots free again", () -> ep.server().counts().active() == 0);
    }
}
