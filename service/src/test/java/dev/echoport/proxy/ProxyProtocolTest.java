package dev.echoport.proxy;

import dev.echoport.testsupport.ProxyHeaders;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;

import static dev.echoport.testsupport.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * PROXY protocol v1 and v2 over real sockets: the header's client address is what admission and logs see, the header
 * is never echoed, and a header from outside trusted-proxies is refused. 127.0.0.1 plays the load balancer,
 * 127.0.0.2 an untrusted host.
 */
class ProxyProtocolTest {
    private static final String REQUIRED = "proxy-protocol = required, trusted-proxies = [\"127.0.0.1/32\"]";
    private static final String OPTIONAL = "proxy-protocol = optional, trusted-proxies = [\"127.0.0.1/32\"]";
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    @EveryTransport
    void v1_header_is_consumed_and_per_ip_limits_apply_to_the_client_in_it(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, REQUIRED,
                "admission.max-connections-per-ip = 1"))) {
            int port = rs.server().port();
            try (Socket a = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket b = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket c = Clients.connectFrom("127.0.0.1", rs.address())) {
                byte[] payload = Clients.randomBytes(100_000, 1);
                send(a, concat(ProxyHeaders.v1("10.0.0.1", 40001, port), payload));
                assertThat(Clients.readExactly(a.getInputStream(), payload.length))
                        .as("only the bytes after the header come back").isEqualTo(payload);

                send(b, concat(ProxyHeaders.v1("10.0.0.1", 40002, port), PING));
                assertThat(Clients.refusal(b, 5000)).as("second connection of client 10.0.0.1, same LB address")
                        .isEqualTo("reset");

                send(c, concat(ProxyHeaders.v1("10.0.0.2", 40003, port), PING));
                assertThat(Clients.readExactly(c.getInputStream(), PING.length)).isEqualTo(PING);

                assertThat(rs.counter("echoport.connections.rejected", "reason", "max_per_ip")).isEqualTo(1.0);
                assertThat(rs.server().counts().activeFrom(InetAddress.getByName("10.0.0.1"))).isEqualTo(1);
                assertThat(rs.server().counts().activeFrom(InetAddress.getByName("127.0.0.1")))
                        .as("the load balancer's own address holds no slot").isZero();
                assertThat(rs.counter("echoport.bytes.received")).isEqualTo(payload.length + PING.length);
            }
        }
    }

    @EveryTransport
    void v2_header_applies_cidr_rules_to_the_client_and_a_local_header_uses_the_proxy(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, REQUIRED,
                "admission.deny = [\"192.0.2.0/24\"]"))) {
            int port = rs.server().port();
            try (Socket allowed = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket denied = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket local = Clients.connectFrom("127.0.0.1", rs.address())) {
                byte[] payload = Clients.randomBytes(70_000, 2);
                send(allowed, concat(ProxyHeaders.v2("198.51.100.7", 5555, port), payload));
                assertThat(Clients.readExactly(allowed.getInputStream(), payload.length)).isEqualTo(payload);

                send(denied, concat(ProxyHeaders.v2("192.0.2.9", 5556, port), PING));
                assertThat(Clients.refusal(denied, 5000)).isEqualTo("reset");
                assertThat(rs.counter("echoport.connections.rejected", "reason", "denied")).isEqualTo(1.0);

                send(local, concat(ProxyHeaders.v2Local(), PING));
                assertThat(Clients.readExactly(local.getInputStream(), PING.length)).isEqualTo(PING);
            }
        }
    }

    @EveryTransport
    void required_refuses_untrusted_sources_missing_headers_and_late_headers(Transport transport) throws Exception {
        CapturingAppender.clear();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, REQUIRED,
                "proxy-protocol-timeout = 300ms"))) {
            int port = rs.server().port();
            try (Socket untrusted = Clients.connectFrom("127.0.0.2", rs.address());
                 Socket noHeader = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket silent = Clients.connectFrom("127.0.0.1", rs.address())) {
                // Refused by its source alone, at accept: the reset may come before or after this write.
                if (Clients.writeUnlessReset(untrusted, concat(ProxyHeaders.v1("10.0.0.1", 1, port), PING))) {
                    assertThat(Clients.refusal(untrusted, 5000)).isEqualTo("reset");
                }
                send(noHeader, "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
                assertThat(Clients.refusal(noHeader, 5000)).isEqualTo("reset");
                assertThat(Clients.refusal(silent, 5000)).as("no header within the timeout").isEqualTo("reset");
            }
            assertThat(rs.counter("echoport.connections.rejected", "reason", "untrusted_proxy")).isEqualTo(1.0);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "proxy_header")).isEqualTo(2.0);
            assertThat(rs.counter("echoport.bytes.received")).as("nothing was echoed").isZero();
            assertThat(rs.counter("echoport.connections.accepted")).isZero();
        }
    }

    @EveryTransport
    void optional_echoes_plain_clients_at_once_and_refuses_headers_from_untrusted_ones(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, OPTIONAL,
                "admission.max-connections-per-ip = 1", "proxy-protocol-timeout = 20s"))) {
            int port = rs.server().port();
            try (Socket direct = Clients.connectFrom("127.0.0.2", rs.address());
                 Socket spoofing = Clients.connectFrom("127.0.0.3", rs.address());
                 Socket proxied = Clients.connectFrom("127.0.0.1", rs.address());
                 Socket proxiedToo = Clients.connectFrom("127.0.0.1", rs.address())) {
                // one byte that cannot start a header: decided at once, not after the 20 s timeout
                assertThat(Clients.roundTrip(direct, new byte[]{'x'})).isEqualTo(new byte[]{'x'});
                assertThat(Clients.roundTrip(direct, PING)).isEqualTo(PING);

                send(spoofing, concat(ProxyHeaders.v2("10.0.0.1", 1, port), PING));
                assertThat(Clients.refusal(spoofing, 5000)).isEqualTo("reset");

                // the LB's two connections carry different clients: the per-IP limit of 1 refuses neither
                send(proxied, concat(ProxyHeaders.v1("10.0.0.1", 1, port), PING));
                send(proxiedToo, concat(ProxyHeaders.v2("10.0.0.2", 2, port), PING));
                assertThat(Clients.readExactly(proxied.getInputStream(), PING.length)).isEqualTo(PING);
                assertThat(Clients.readExactly(proxiedToo.getInputStream(), PING.length)).isEqualTo(PING);
            }
            assertThat(rs.counter("echoport.connections.rejected", "reason", "untrusted_proxy")).isEqualTo(1.0);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(3.0);
        }
    }

    private static void send(Socket s, byte[] bytes) throws Exception {
        OutputStream out = s.getOutputStream();
        out.write(bytes);
        out.flush();
    }
}
