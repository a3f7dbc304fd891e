package dev.echoport.server;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** OIO serves each connection with its own thread: io-threads caps connections, and the cap never leaks a slot. */
class OioThreadCapTest {

    @Test
    void the_connection_beyond_the_oio_threads_is_refused_and_no_slot_leaks() throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(Transport.OIO, "io-threads = 2"))) {
            assertThat(rs.server().rules().maxConnections()).isEqualTo(2);
            try (Socket a = Clients.connect(rs.address());
                 Socket b = Clients.connect(rs.address());
                 Socket c = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(a, new byte[]{1})).containsExactly(1);
                assertThat(Clients.roundTrip(b, new byte[]{2})).containsExactly(2);
                assertThat(Clients.refusal(c, 5000)).isEqualTo("reset");
            }
            Await.until("every admitted connection released its slot", () -> rs.server().counts().active() == 0);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(2.0);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "max_connections")).isEqualTo(1.0);
            try (Socket d = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(d, new byte[]{4})).containsExactly(4);
            }
        }
    }
}
