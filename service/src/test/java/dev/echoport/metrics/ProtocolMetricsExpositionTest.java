package dev.echoport.metrics;

import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.Clients;
import dev.echoport.tls.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The TLS, UDP and PROXY protocol meters as Prometheus scrapes them from /metrics. */
class ProtocolMetricsExpositionTest {
    @TempDir
    Path dir;

    @Test
    void tls_udp_and_proxy_protocol_show_in_metrics_with_bounded_labels() throws Exception {
        TestPki.writeServerFiles(TestPki.server(TestPki.ca("ca"), "echoport"), dir);
        try (RunningEchoport e = RunningEchoport.start(TestPki.settings(dir,
                "udp { enabled = true, port = 0 }",
                "proxy-protocol = optional, trusted-proxies = [\"127.0.0.1\"]"))) {
            int udpPort = e.echoport().server().udpPort();
            try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                udp.setSoTimeout(Clients.TIMEOUT_MILLIS);
                udp.send(new DatagramPacket(new byte[10], 10, new InetSocketAddress("127.0.0.1", udpPort)));
                udp.receive(new DatagramPacket(new byte[100], 100));
            }
            try (Socket plain = Clients.connect(new InetSocketAddress("127.0.0.1",
                    e.echoport().server().tlsPort()))) {
                plain.getOutputStream().write("hello\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(Clients.refusal(plain, 5000)).isIn("eof", "reset");
            }
            try (Socket spoof = Clients.connectFrom("127.0.0.2", new InetSocketAddress("127.0.0.1", e.echoPort()))) {
                spoof.getOutputStream().write("PROXY TCP4 10.0.0.1 127.0.0.1 1 2\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                assertThat(Clients.refusal(spoof, 5000)).isEqualTo("reset");
            }

            e.awaitValue("echoport_udp_datagrams_received_total", 1);
            e.awaitValue("echoport_udp_datagrams_sent_total", 1);
            e.awaitValue("echoport_udp_bytes_received_total", 10);
            e.awaitValue("echoport_udp_bytes_sent_total", 10);
            e.awaitValue("echoport_tls_handshake_failures_total", Map.of("reason", "not_tls"), 1);
            Exposition x = e.awaitValue("echoport_connections_rejected_total", Map.of("reason", "untrusted_proxy"),
                    1);
            assertThat(x.value("echoport_udp_datagrams_dropped_total", Map.of("reason", "rate_limited")))
                    .contains(0.0);
            assertThat(x.value("echoport_tls_handshakes_total")).contains(0.0);
            assertThat(x.value("echoport_udp_sources")).contains(1.0);
            assertThat(x.samples("echoport_tls_handshake_failures_total")).extracting(s -> s.labels().get("reason"))
                    .containsExactlyInAnyOrder("not_tls", "certificate", "protocol", "timeout", "closed",
                            "renegotiation");
            String active = io.netty.handler.ssl.OpenSsl.isAvailable() ? "openssl" : "jdk";
            assertThat(x.value("echoport_tls_provider_info", Map.of("requested", "auto", "active", active)))
                    .contains(1.0);
            assertThat(x.samples("echoport_config_reloads_total")).extracting(s -> s.labels().get("result"))
                    .containsExactlyInAnyOrder("success", "failure");
            assertThat(x.samples("echoport_udp_datagrams_dropped_total")).extracting(s -> s.labels().get("reason"))
                    .containsExactlyInAnyOrder("denied", "rate_limited", "too_large", "write_failed", "global_budget",
                            "socket_full", "unsafe_source", "fault");
        }
    }
}
