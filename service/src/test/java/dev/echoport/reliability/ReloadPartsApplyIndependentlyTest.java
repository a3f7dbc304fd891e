package dev.echoport.reliability;

import dev.echoport.testsupport.RunningEchoport;
import ch.qos.logback.classic.Level;
import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.tls.EveryTransportAndTlsProvider;
import dev.echoport.tls.TestPki;
import dev.echoport.transport.Transport;
import io.micrometer.core.instrument.Counter;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGHUP ({@code Echoport.reload()}) with TLS on has two parts, each applied or refused on its own: the admission
 * rules of the config file, and the certificate files. A rotation caught half way (certificate replaced, key not yet)
 * does not hold back new limits; an invalid limit does not hold back a completed rotation. Each part has its own log
 * line and counter ({@code echoport_config_reloads_total}, {@code echoport_tls_certificate_reloads_total}).
 */
class ReloadPartsApplyIndependentlyTest {
    private static X509Bundle ca;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestPki.ca("echoport test CA");
    }

    @EveryTransportAndTlsProvider
    void a_half_done_rotation_keeps_the_certificate_and_still_applies_new_limits(Transport transport,
                                                                                TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        Path conf = dir.resolve("echoport.conf");
        write(conf, transport, provider, "max-connections = 10");
        try (RunningEchoport ep = RunningEchoport.start(conf)) {
            TestPki.writeCertificate(TestPki.server(ca, "second"), dir); // the key is not written yet
            write(conf, transport, provider, "max-connections = 1");
            CapturingAppender.clear();

            assertThat(ep.echoport().reload()).as("the admission part applied").isTrue();

            assertThat(counter(ep, "echoport.config.reloads", "success")).isEqualTo(1.0);
            assertThat(counter(ep, "echoport.tls.certificate.reloads", "failure")).isEqualTo(1.0);
            assertThat(CapturingAppender.messages("dev.echoport", Level.ERROR)).singleElement().asString()
                    .isEqualTo("TLS certificate reload failed, the previous certificate stays in use: "
                            + "the private key does not belong to the certificate CN=second");
            try (Socket first = Clients.connect(ep.address())) {
                assertThat(Clients.roundTrip(first, new byte[]{1})).isEqualTo(new byte[]{1});
                try (Socket second = Clients.connect(ep.address())) {
                    assertThat(Clients.refusal(second, 5_000)).as("a new connection past the reloaded limit 1")
                            .isIn("eof", "reset");
                }
            }
            awaitNoneOpen(ep);
            assertThat(servedAs(ep)).as("the running certificate stays").isEqualTo("CN=first");
        }
    }

    @EveryTransportAndTlsProvider
    void an_invalid_limit_keeps_the_rules_and_a_completed_rotation_is_still_picked_up(Transport transport,
                                                                                     TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        Path conf = dir.resolve("echoport.conf");
        write(conf, transport, provider, "max-connections = 1");
        try (RunningEchoport ep = RunningEchoport.start(conf)) {
            TestPki.writeServerFiles(TestPki.server(ca, "second"), dir);
            write(conf, transport, provider, "max-connections = -1");
            CapturingAppender.clear();

            assertThat(ep.echoport().reload()).as("the admission part refused").isFalse();

            assertThat(counter(ep, "echoport.config.reloads", "failure")).isEqualTo(1.0);
            assertThat(counter(ep, "echoport.tls.certificate.reloads", "success")).isEqualTo(1.0);
            assertThat(CapturingAppender.messages("dev.echoport", Level.ERROR)).singleElement().asString()
                    .startsWith("reload refused, the running settings stay: echoport.admission.max-connections = -1");
            assertThat(servedAs(ep)).as("the completed rotation is served").isEqualTo("CN=second");
            awaitNoneOpen(ep);
            try (Socket first = Clients.connect(ep.address())) {
                assertThat(Clients.roundTrip(first, new byte[]{1})).isEqualTo(new byte[]{1});
                try (Socket second = Clients.connect(ep.address())) {
                    assertThat(Clients.refusal(second, 5_000)).as("the running limit 1 stays").isIn("eof", "reset");
                }
            }
        }
    }

    /** TLS on with the file watch off, so only reload() touches the certificate. */
    private void write(Path conf, Transport transport, TlsProvider provider, String admission) throws IOException {
        Files.writeString(conf, "echoport { host = \"127.0.0.1\", port = 0, transport = " + transport.configName()
                + "\n admission { " + admission + " }\n"
                + TestPki.settings(dir, TestPki.provider(provider), "tls.reload-check-interval = 0") + "\n}\n");
    }

    private static double counter(RunningEchoport ep, String name, String result) {
        Counter c = ep.echoport().registry().find(name).tag("result", result).counter();
        return c == null ? Double.NaN : c.count();
    }

    private static void awaitNoneOpen(RunningEchoport ep) {
        Await.until("no connection open", () -> ep.echoport().server().counts().active() == 0);
    }

    /** Subject of the certificate a new TLS connection is served, after checking it echoes. */
    private static String servedAs(RunningEchoport ep) throws Exception {
        InetSocketAddress tls = new InetSocketAddress("127.0.0.1", ep.echoport().server().tlsPort());
        try (SSLSocket s = TestPki.connect(tls, ca, null)) {
            assertThat(Clients.roundTrip(s, new byte[]{9})).isEqualTo(new byte[]{9});
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
        }
    }
}
