package dev.echoport.tls;

import ch.qos.logback.classic.Level;
import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A TLS 1.2 client that renegotiates (each renegotiation would cost the server a full handshake) is refused on every
 * transport with both providers: the connection is closed, nothing more is echoed, the refusal is counted as a
 * handshake failure with reason {@code renegotiation} and logged in one line naming the peer; other connections go
 * on.
 */
class ClientRenegotiationRefusedTest {
    private static X509Bundle ca;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestPki.ca("echoport test CA");
    }

    @EveryTransportAndTlsProvider
    void a_jdk_client_that_renegotiates_is_closed_and_counted(Transport transport, TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        CapturingAppender.clear();
        try (RunningEchoport rs = start(transport, provider);
             SSLSocket s = TestPki.connect(tlsAddress(rs), ca, null)) {
            s.setEnabledProtocols(new String[]{"TLSv1.2"}); // TLS 1.3 has no renegotiation
            s.startHandshake();
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(Clients.roundTrip(s, new byte[]{1})).as("echo before renegotiating").isEqualTo(new byte[]{1});

            assertThatThrownBy(() -> {
                s.startHandshake(); // TLS 1.2: sends a new ClientHello on the established connection
                s.getOutputStream().write(2);
                s.getOutputStream().flush();
                if (s.getInputStream().read() < 0) {
                    throw new EOFException("closed by the server");
                }
            }).as("renegotiation refused and the connection closed, nothing echoed")
                    .isInstanceOf(IOException.class);

            Await.until("the refusal counted", () -> rs.counter("echoport.tls.handshake.failures", "reason",
                    "renegotiation") == 1.0);
            Await.until("the connection closed on the server", () -> rs.server().counts().active() == 0);
            assertThat(rs.counter("echoport.tls.handshakes")).as("the first handshake only").isEqualTo(1.0);
            assertThat(rs.counter("echoport.bytes.sent")).as("only the byte before renegotiating echoed")
                    .isEqualTo(1.0);
            Await.until("one line for the refusal",
                    () -> !CapturingAppender.messages("dev.echoport", Level.WARN).isEmpty());
            assertThat(CapturingAppender.messages("dev.echoport", Level.WARN)).singleElement().asString()
                    .startsWith("TLS handshake with /127.0.0.1:" + s.getLocalPort() + " failed (renegotiation): ")
                    .doesNotContain("\n");

            try (SSLSocket other = TestPki.connect(tlsAddress(rs), ca, null)) {
                assertThat(Clients.roundTrip(other, new byte[]{3})).as("another client still served")
                        .isEqualTo(new byte[]{3});
            }
        }
    }

    /** The issue's own reproduction: {@code openssl s_client -tls1_2}, then {@code R} on its standard input. */
    @EveryTransportAndTlsProvider
    void openssl_s_client_R_is_refused(Transport transport, TlsProvider provider) throws Exception {
        assumeTrue(opensslInstalled(), "the openssl command is not installed");
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        Path caFile = TestPki.writeCa(ca, dir);
        try (RunningEchoport rs = start(transport, provider)) {
            Process p = new ProcessBuilder("openssl", "s_client", "-tls1_2", "-CAfile", caFile.toString(),
                    "-connect", "127.0.0.1:" + rs.server().tlsPort()).redirectErrorStream(true).start();
            List<String> out = pump(p);
            try {
                OutputStream stdin = p.getOutputStream();
                stdin.write("before\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                Await.until("the first line echoed: " + out, () -> out.contains("before"));
                stdin.write("R\n".getBytes(StandardCharsets.US_ASCII));
                stdin.flush();
                Await.until("s_client says it renegotiates: " + out, () -> out.contains("RENEGOTIATING"));
                assertThat(p.waitFor(Await.DEFAULT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("s_client ends: the server closed the connection; output %s", out).isTrue();
                assertThat(rs.counter("echoport.tls.handshake.failures", "reason", "renegotiation")).isEqualTo(1.0);
                assertThat(rs.counter("echoport.tls.handshakes")).isEqualTo(1.0);
                assertThat(rs.counter("echoport.bytes.sent")).as("\"before\\n\" only").isEqualTo(7.0);
            } finally {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private RunningEchoport start(Transport transport, TlsProvider provider) {
        return RunningEchoport.start(TestSettings.of(transport, TestPki.settings(dir, TestPki.provider(provider))));
    }

    private static InetSocketAddress tlsAddress(RunningEchoport rs) {
        return new InetSocketAddress("127.0.0.1", rs.server().tlsPort());
    }

    private static boolean opensslInstalled() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The process's output, line by line, as it comes. */
    private static List<String> pump(Process p) {
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException ignored) {
                // the process was killed: what was read is what the test judges
            }
        }, "s_client-output");
        t.setDaemon(true);
        t.start();
        return lines;
    }
}
