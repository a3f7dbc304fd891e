package dev.echoport.server;

import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** With SO_REUSEPORT, several listening sockets share one port and every one of them serves echo. */
class ReusePortListenersTest {

    @EveryTransport
    void three_listeners_share_the_port(Transport transport) throws Exception {
        assumeTrue(transport.supportsReusePort(), transport + " has no SO_REUSEPORT (epoll and io_uring only)");
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
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
