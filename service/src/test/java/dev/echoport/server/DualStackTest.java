package dev.echoport.server;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.ProxyHeaders;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.BeforeAll;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;

import static dev.echoport.testsupport.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code host = "::"}: one listener serves IPv4 and IPv6 clients, admission rules written for IPv4 match IPv4
 * clients however the socket reports them (IPv4-mapped IPv6 included), and the PROXY protocol carries IPv6 clients.
 */
class DualStackTest {
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    @BeforeAll
    static void ipv6Loopback() throws Exception {
        assumeTrue(NetworkInterface.getByInetAddress(InetAddress.getByName("::1")) != null,
                "no IPv6 loopback (::1) on this host");
    }

    @EveryTransport
    void one_listener_on_the_unspecified_address_echoes_over_ipv4_and_ipv6(Transport transport) throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "host = \"::\""))) {
            int port = ep.echoPort();
            try (Socket v6 = Clients.connect(new InetSocketAddress("::1", port));
                 Socket v4 = Clients.connect(new InetSocketAddress("127.0.0.1", port))) {
                assertThat(Clients.roundTrip(v6, PING)).isEqualTo(PING);
                assertThat(Clients.roundTrip(v4, PING)).isEqualTo(PING);
            }
            assertThat(ep.counter("echoport.connections.accepted")).isEqualTo(2.0);
        }
    }

    @EveryTransport
    void the_udp_echo_on_the_unspecified_address_answers_ipv4_and_ipv6_sources(Transport transport) throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "host = \"::\"",
                "udp { enabled = true, port = 0 }"))) {
            int port = ep.server().udpPort();
            for (String to : new String[]{"::1", "127.0.0.1"}) {
                try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
                    s.setSoTimeout(Clients.TIMEOUT_MILLIS);
                    s.send(new java.net.DatagramPacket(PING, PING.length, new InetSocketAddress(to, port)));
                    java.net.DatagramPacket back = new java.net.DatagramPacket(new byte[16], 16);
                    s.receive(back);
                    assertThat(java.util.Arrays.copyOf(back.getData(), back.getLength())).as("echo via %s", to)
                            .isEqualTo(PING);
                }
            }
        }
    }

    @EveryTransport
    void ipv4_rules_match_ipv4_clients_of_a_dual_stack_listener_and_ipv6_rules_ipv6_ones(Transport transport)
            throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "host = \"::\"",
                "admission { deny = [\"127.0.0.2/32\", \"::1/128\"], max-connections-per-ip = 1 }"))) {
            int port = ep.echoPort();
            try (Socket denied4 = Clients.connectFrom("127.0.0.2", new InetSocketAddress("127.0.0.1", port));
                 Socket denied6 = Clients.connect(new InetSocketAddress("::1", port));
                 Socket first = Clients.connectFrom("127.0.0.3", new InetSocketAddress("127.0.0.1", port));
                 Socket second = Clients.connectFrom("127.0.0.3", new InetSocketAddress("127.0.0.1", port))) {
                assertThat(Clients.refusal(denied4, 5000)).isEqualTo("reset");
                assertThat(Clients.refusal(denied6, 5000)).isEqualTo("reset");
                assertThat(Clients.roundTrip(first, PING)).isEqualTo(PING);
                assertThat(Clients.refusal(second, 5000)).as("the per-IP count of 127.0.0.3 as one address")
                        .isEqualTo("reset");
                assertThat(ep.server().counts().activeFrom(InetAddress.getByName("127.0.0.3")))
                        .as("counted as the IPv4 address, not as ::ffff:127.0.0.3").isEqualTo(1);
            }
            assertThat(ep.counter("echoport.connections.rejected", "reason", "denied")).isEqualTo(2.0);
        }
    }

    @EveryTransport
    void the_proxy_protocol_carries_ipv6_clients_and_ipv4_mapped_ones_count_as_ipv4(Transport transport)
            throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport, "host = \"::\"",
                "proxy-protocol = required, trusted-proxies = [\"::1/128\", \"127.0.0.1/32\"]",
                "admission { deny = [\"2001:db8:bad::/48\", \"192.0.2.0/24\"] }"))) {
            int port = ep.echoPort();
            InetSocketAddress viaV6 = new InetSocketAddress("::1", port);
            try (Socket client6 = Clients.connect(viaV6);
                 Socket denied6 = Clients.connect(viaV6);
                 Socket mapped = Clients.connect(viaV6)) {
                client6.getOutputStream().write(concat(ProxyHeaders.v2Tcp6("2001:db8::7", 5000, "::1", port),
                        PING));
                assertThat(Clients.readExactly(client6.getInputStream(), PING.length)).isEqualTo(PING);
                denied6.getOutputStream().write(ProxyHeaders.v2Tcp6("2001:db8:bad::1", 5001, "::1", port));
                assertThat(Clients.refusal(denied6, 5000)).isEqualTo("reset");
                mapped.getOutputStream().write(ProxyHeaders.v2Tcp6("::ffff:192.0.2.9", 5002, "::1", port));
                assertThat(Clients.refusal(mapped, 5000)).as("an IPv4-mapped client matches the IPv4 rule")
                        .isEqualTo("reset");
                InetAddress v6 = InetAddress.getByName("2001:db8::7");
                assertThat(v6).isInstanceOf(Inet6Address.class);
                assertThat(ep.server().counts().activeFrom(v6)).isEqualTo(1);
            }
            assertThat(ep.counter("echoport.connections.rejected", "reason", "denied")).isEqualTo(2.0);
        }
    }
}
