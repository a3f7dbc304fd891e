package dev.echoport.tls;

import dev.echoport.testsupport.Await;
import ch.qos.logback.classic.Level;
import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS echo over real sockets with a CA made at test time, on every transport with both providers (OpenSSL and the
 * JDK): integrity, failed handshakes, reload, client auth, PROXY protocol in front.
 */
class TlsEchoTest {
    private static X509Bundle ca;
    private static X509Bundle otherCa;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCas() throws Exception {
        ca = TestPki.ca("echoport test CA");
        otherCa = TestPki.ca("somebody else's CA");
    }

    @EveryTransportAndTlsProvider
    void messages_from_1_byte_to_4_MiB_come_back_unchanged_over_tls(Transport transport, TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        try (RunningEchoport rs = start(transport, provider);
             SSLSocket s = TestPki.connect(tlsAddress(rs), ca, null)) {
            assertThat(rs.server().settings().protocols().tls().provider().provider())
                    .as("the provider serving").isEqualTo(provider == TlsProvider.JDK ? SslProvider.JDK
                            : SslProvider.OPENSSL);
            long total = 0;
            for (int size : new int[]{1, 1024, 64 * 1024, 4 * 1024 * 1024}) {
                byte[] payload = Clients.randomBytes(size, size);
                assertThat(Clients.roundTripWhileWriting(s, payload))
                        .as("%d-byte message over TLS on %s", size, transport).isEqualTo(payload);
                total += size;
            }
            assertThat(rs.counter("echoport.tls.handshakes")).isEqualTo(1.0);
            assertThat(rs.counter("echoport.bytes.received")).isEqualTo((double) total);
            assertThat(Clients.roundTrip(Clients.connect(rs.address()), new byte[]{7}))
                    .as("the plain listener still echoes beside the TLS one").isEqualTo(new byte[]{7});
        }
    }

    @EveryTransportAndTlsProvider
    void failed_handshakes_are_counted_by_reason_and_logged_in_one_line(Transport transport, TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        CapturingAppender.clear();
        try (RunningEchoport rs = start(transport, provider)) {
            try (SSLSocket distrustful = TestPki.connect(tlsAddress(rs), otherCa, null)) {
                assertThatThrownBy(() -> distrustful.getOutputStream().write(1)).isInstanceOf(SSLException.class);
            }
            Await.until("the client refused our certificate",
                    () -> rs.counter("echoport.tls.handshake.failures", "reason", "certificate") == 1.0);

            // the counter moves before the line is written, on the event loop: wait for the line itself
            Await.until("a line for the failed handshake",
                    () -> !CapturingAppender.messages("dev.echoport", Level.WARN).isEmpty());
            List<String> lines = CapturingAppender.messages("dev.echoport", Level.WARN);
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).startsWith("TLS handshake with /127.0.0.1:").contains("failed (certificate)")
                    .doesNotContain("\n");

            // Plain text on the TLS port: counted at once; its log line follows the once-a-second rule
            // (HandshakeFailureLogTest).
            try (Socket plain = Clients.connect(tlsAddress(rs))) {
                plain.getOutputStream().write("hello, plain text\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(Clients.refusal(plain, 5000)).isIn("eof", "reset");
            }
            Await.until("plain text counted as not_tls", () -> rs.counter("echoport.tls.handshake.failures",
                    "reason", "not_tls") == 1.0);
            assertThat(rs.counter("echoport.tls.handshakes")).isZero();
            assertThat(rs.counter("echoport.bytes.received")).as("nothing reached the echo").isZero();
        }
    }

    @EveryTransportAndTlsProvider
    void a_replaced_certificate_is_served_to_new_connections_without_a_restart(Transport transport,
                                                                                TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                TestPki.settings(dir, TestPki.provider(provider), "tls.reload-check-interval = 100ms")))) {
            SSLSocket before = TestPki.connect(tlsAddress(rs), ca, null);
            try (before) {
                assertThat(Clients.roundTrip(before, new byte[]{1})).isEqualTo(new byte[]{1});
                assertThat(subject(before)).isEqualTo("CN=first");

                // a rotation stuck half way (new certificate, old key) is reported and never served
                X509Bundle second = TestPki.server(ca, "second");
                TestPki.writeCertificate(second, dir);
                Await.until("the mismatched pair reported",
                        () -> rs.counter("echoport.tls.certificate.reloads", "result", "failure") == 1.0);
                assertThat(newConnectionServedAs(rs)).as("the old pair stays in force").isEqualTo("CN=first");

                TestPki.writeServerFiles(second, dir);
                Await.until("the file watch picked the change up",
                        () -> rs.counter("echoport.tls.certificate.reloads", "result", "success") >= 1.0);
                assertThat(newConnectionServedAs(rs)).isEqualTo("CN=second");
                assertThat(Clients.roundTrip(before, new byte[]{3})).as("the open connection carries on")
                        .isEqualTo(new byte[]{3});
            }
            // a broken file leaves the last good certificate in force
            java.nio.file.Files.writeString(dir.resolve("server.crt"), "not a certificate");
            Await.until("two failed certificate reloads counted",
                    () -> rs.counter("echoport.tls.certificate.reloads", "result", "failure") == 2.0);
            assertThat(newConnectionServedAs(rs)).isEqualTo("CN=second");
        }
    }

    @EveryTransportAndTlsProvider
    void client_auth_require_admits_only_clients_with_a_certificate_from_the_trusted_ca(Transport transport,
                                                                                         TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        Path trust = TestPki.writeCa(ca, dir);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                TestPki.settings(dir, TestPki.provider(provider),
                        "tls { client-auth = require, trust-certificates = \"" + trust + "\" }")))) {
            try (SSLSocket withCert = TestPki.connect(tlsAddress(rs), ca, TestPki.client(ca, "alice"))) {
                assertThat(Clients.roundTrip(withCert, new byte[]{5})).isEqualTo(new byte[]{5});
            }
            try (SSLSocket anonymous = TestPki.connect(tlsAddress(rs), ca, null)) {
                assertThatThrownBy(() -> {
                    anonymous.getOutputStream().write(6);
                    anonymous.getOutputStream().flush();
                    anonymous.getInputStream().read(); // TLS 1.3: the refusal arrives after our Finished
                }).isInstanceOf(java.io.IOException.class);
            }
            try (SSLSocket strangersCert = TestPki.connect(tlsAddress(rs), ca, TestPki.client(otherCa, "mallory"))) {
                assertThatThrownBy(() -> {
                    strangersCert.getOutputStream().write(6);
                    strangersCert.getOutputStream().flush();
                    strangersCert.getInputStream().read();
                }).isInstanceOf(java.io.IOException.class);
            }
            Await.until("both refused clients counted as certificate failures",
                    () -> rs.counter("echoport.tls.handshake.failures", "reason", "certificate") == 2.0);
            assertThat(rs.counter("echoport.tls.handshakes")).isEqualTo(1.0);
        }
    }

    @EveryTransportAndTlsProvider
    void behind_proxy_protocol_the_handshake_failure_names_the_client_from_the_header(Transport transport,
                                                                                       TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        CapturingAppender.clear();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                TestPki.settings(dir, TestPki.provider(provider)),
                "proxy-protocol = required, trusted-proxies = [\"127.0.0.1\"]"));
             Socket lb = Clients.connect(tlsAddress(rs))) {
            lb.getOutputStream().write(("PROXY TCP4 203.0.113.5 127.0.0.1 4242 443\r\nplain text, not TLS\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(Clients.refusal(lb, 5000)).isIn("eof", "reset");
            Await.until("a warning line for the failed handshake",
                    () -> !CapturingAppender.messages("dev.echoport", Level.WARN).isEmpty());
            assertThat(CapturingAppender.messages("dev.echoport", Level.WARN)).singleElement().asString()
                    .startsWith("TLS handshake with /203.0.113.5:4242 (via /127.0.0.1:").contains("(not_tls)");
        }
    }

    /** Opens a TLS connection, checks it echoes, and returns the subject of the certificate it was served. */
    private static String newConnectionServedAs(RunningEchoport rs) throws Exception {
        try (SSLSocket s = TestPki.connect(tlsAddress(rs), ca, null)) {
            byte[] payload = Clients.randomBytes(16, 16);
            assertThat(Clients.roundTrip(s, payload)).isEqualTo(payload);
            return subject(s);
        }
    }

    private RunningEchoport start(Transport transport, TlsProvider provider) {
        return RunningEchoport.start(TestSettings.of(transport, TestPki.settings(dir, TestPki.provider(provider))));
    }

    private static InetSocketAddress tlsAddress(RunningEchoport rs) {
        return new InetSocketAddress("127.0.0.1", rs.server().tlsPort());
    }

    private static String subject(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }
}
