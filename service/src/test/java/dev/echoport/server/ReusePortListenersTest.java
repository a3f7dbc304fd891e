package dev.echoport.server;

import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.Decision;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** With SO_REUSEPORT, several listening sockets share one port and every one of them accepts and serves echo. */
class ReusePortListenersTest {
    static final int LISTENERS = 3;
    static final int MAX_ATTEMPTS = 300;

    @EveryTransport
    void three_listeners_share_the_port_and_each_serves(Transport transport) throws Exception {
        assumeTrue(transport.supportsReusePort(), transport + " has no SO_REUSEPORT (epoll and io_uring only)");
        // Each listener accepts on a thread of its own: the policy, asked on that thread, tells which one accepted.
        Set<String> acceptingThreads = ConcurrentHashMap.newKeySet();
        AdmissionPolicy recordListener = (peer, local, counts) -> {
            acceptingThreads.add(Thread.currentThread().getName());
            return Decision.ACCEPT;
        };
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "listeners = " + LISTENERS + ", socket.reuse-port = true"), recordListener)) {
            assertThat(rs.server().localAddresses()).hasSize(LISTENERS)
                    .allSatisfy(a -> assertThat(a.getPort()).isEqualTo(rs.server().port()));
            int attempts = 0;
            // The kernel spreads connections over the listeners by a hash of the addresses: connect until each has
            // taken one (300 attempts miss a listener with a probability of 3 x (2/3)^300).
            while (acceptingThreads.size() < LISTENERS && attempts < MAX_ATTEMPTS) {
                try (Socket s = Clients.connect(rs.address())) {
                    assertThat(Clients.roundTrip(s, new byte[]{(byte) attempts})).containsExactly((byte) attempts);
                }
                attempts++;
            }
            assertThat(acceptingThreads).as("listeners that accepted and echoed, after %d connections", attempts)
                    .hasSize(LISTENERS);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(attempts);
        }
    }
}
