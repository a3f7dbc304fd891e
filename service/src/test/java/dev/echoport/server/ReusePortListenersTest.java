package dev.echoport.server;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningServer;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.Socket;

import static dev.echoport.testsupport.Transports.assumeAvailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** With SO_REUSEPORT, several listening sockets share one port and every one of them serves echo. */
class ReusePortListenersTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void three_listeners_share_the_port(Transport transport) throws Exception {
        assumeAvailable(transport);
        assumeTrue(transport.supportsReusePort(), transport + " has no SO_REUSEPORT (epoll and io_uring only)");
        try (RunningServer rs = RunningServer.start(TestSettings.of(transport,
                "listeners = 3, socket.reuse-port = true"))) {
            assertThat(rs.server().localAddresses()).hasSize(3)
                    .allSatisfy(a -> assertThat(a.getPort()).isEqualTo(rs.server().port()));
            for (int i = 0; i < 30; i++) { // the kernel spreads these over the listeners by hash
                try (Socket s = Clients.connect(rs.address())) {
                    assertThat(Clients.roundTrip(s, new byte[]{(byte) i})).containsExactly((byte) i);
                }
            }
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(30.0);
        }
    }
}
