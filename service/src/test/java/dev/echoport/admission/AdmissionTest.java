package dev.echoport.admission;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.InetSocketAddress;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** The condition function over real sockets: who gets in, who is refused and how, who waits. */
class AdmissionTest {
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    @EveryTransport
    void the_connection_over_max_connections_is_reset_and_a_freed_slot_admits_the_next(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "admission.max-connections = 2"))) {
            Socket a = Clients.connect(rs.address());
            Socket b = Clients.connect(rs.address());
            assertThat(Clients.roundTrip(a, PING)).isEqualTo(PING);
            assertThat(Clients.roundTrip(b, PING)).isEqualTo(PING);
            try (Socket c = Clients.connect(rs.address())) {
                Clients.writeUnlessReset(c, PING); // refused at accept: the reset may come before the write
                assertThat(Clients.refusal(c, 5000)).as("the third connection sees a reset").isEqualTo("reset");
            }
            assertThat(rs.counter("echoport.connections.rejected", "reason", "max_connections")).isEqualTo(1.0);
            assertThat(rs.counter("echoport.bytes.received")).as("nothing was read from the refused one")
                    .isEqualTo(2.0 * PING.length);

            a.close();
            Await.until("exactly one connection active", () -> rs.server().counts().active() == 1);
            try (Socket d = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(d, PING)).as("a freed slot lets the next one in").isEqualTo(PING);
            }
            b.close();
        }
    }

    @EveryTransport
    void reject_action_close_ends_refused_connections_with_a_fin(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, reject-action = close }"));
             Socket a = Clients.connect(rs.address());
             Socket b = Clients.connect(rs.address())) {
            assertThat(Clients.roundTrip(a, PING)).isEqualTo(PING);
            assertThat(Clients.refusal(b, 5000)).isEqualTo("eof");
        }
    }

    @EveryTransport
    void a_deferred_connection_waits_for_a_slot_then_echoes(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, over-limit = defer, defer-timeout = 20s }"));
             Socket a = Clients.connect(rs.address());
             Socket b = Clients.connect(rs.address())) {
            assertThat(Clients.roundTrip(a, PING)).isEqualTo(PING);
            b.getOutputStream().write(PING);
            Await.until("the second connection counted as deferred",
                    () -> rs.counter("echoport.connections.deferred") == 1.0);
            assertThat(Clients.refusal(b, 300)).as("held: neither echoed nor closed while the slot is taken")
                    .isEqualTo("open");

            a.close();
            b.setSoTimeout(Clients.TIMEOUT_MILLIS);
            assertThat(Clients.readExactly(b.getInputStream(), PING.length))
                    .as("admitted once the slot freed; the bytes it sent while waiting are echoed").isEqualTo(PING);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(2.0);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "defer_timeout")).isZero();
        }
    }

    @EveryTransport
    void a_deferred_connection_that_waits_past_defer_timeout_is_rejected(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, over-limit = defer, defer-timeout = 300ms }"));
             Socket a = Clients.connect(rs.address());
             Socket b = Clients.connect(rs.address())) {
            assertThat(Clients.roundTrip(a, PING)).isEqualTo(PING);
            assertThat(Clients.refusal(b, 10_000)).isEqualTo("reset");
            assertThat(rs.counter("echoport.connections.rejected", "reason", "defer_timeout")).isEqualTo(1.0);
            assertThat(Clients.roundTrip(a, PING)).as("the admitted one is untouched").isEqualTo(PING);
            // and accepting resumed: with the slot free, a new connection gets in at once
            a.close();
            Await.until("no connection active", () -> rs.server().counts().active() == 0);
            try (Socket c = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(c, PING)).isEqualTo(PING);
            }
        }
    }

    @EveryTransport
    void max_connections_per_ip_refuses_one_address_while_others_get_in(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission.max-connections-per-ip = 2"))) {
            InetSocketAddress to = rs.address();
            try (Socket a1 = Clients.connectFrom("127.0.0.1", to);
                 Socket a2 = Clients.connectFrom("127.0.0.1", to);
                 Socket a3 = Clients.connectFrom("127.0.0.1", to);
                 Socket b1 = Clients.connectFrom("127.0.0.2", to);
                 Socket c1 = Clients.connectFrom("127.0.0.3", to)) {
                assertThat(Clients.roundTrip(a1, PING)).isEqualTo(PING);
                assertThat(Clients.roundTrip(a2, PING)).isEqualTo(PING);
                assertThat(Clients.refusal(a3, 5000)).isEqualTo("reset");
                assertThat(Clients.roundTrip(b1, PING)).isEqualTo(PING);
                assertThat(Clients.roundTrip(c1, PING)).isEqualTo(PING);
                assertThat(rs.counter("echoport.connections.rejected", "reason", "max_per_ip")).isEqualTo(1.0);
                assertThat(rs.server().counts().activeFrom(java.net.InetAddress.getByName("127.0.0.1"))).isEqualTo(2);
            }
        }
    }

    @EveryTransport
    void deny_and_allow_cidrs_decide_by_peer_address(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission { allow = [\"127.0.0.0/29\"], deny = [\"127.0.0.2/32\"] }"))) {
            InetSocketAddress to = rs.address();
            try (Socket allowed = Clients.connectFrom("127.0.0.1", to);
                 Socket denied = Clients.connectFrom("127.0.0.2", to);
                 Socket outside = Clients.connectFrom("127.0.0.9", to)) {
                assertThat(Clients.roundTrip(allowed, PING)).isEqualTo(PING);
                assertThat(Clients.refusal(denied, 5000)).isEqualTo("reset");
                assertThat(Clients.refusal(outside, 5000)).isEqualTo("reset");
                assertThat(rs.counter("echoport.connections.rejected", "reason", "denied")).isEqualTo(2.0);
            }
        }
    }

    @EveryTransport
    void a_custom_policy_is_asked_after_the_built_in_rules(Transport transport) throws Exception {
        // refuses connections to odd... peers whose last address byte is 3
        AdmissionPolicy notDotThree = (peer, local, counts) -> peer.getAddress().getAddress()[3] == 3
                ? Decision.reject(RejectReason.POLICY) : Decision.ACCEPT;
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport), notDotThree)) {
            try (Socket ok = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket no = Clients.connectFrom("127.0.0.3", rs.address())) {
                assertThat(Clients.roundTrip(ok, PING)).isEqualTo(PING);
                assertThat(Clients.refusal(no, 5000)).isEqualTo("reset");
                assertThat(rs.counter("echoport.connections.rejected", "reason", "policy")).isEqualTo(1.0);
            }
        }
    }
}
