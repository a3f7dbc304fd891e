package dev.echoport.it;

import com.github.dockerjava.api.model.AccessMode;
import com.github.dockerjava.api.model.Bind;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Volume;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS and UDP echo inside the image, switched on by environment alone: the shell-less jlink runtime must carry what
 * TLS needs (EC keys, X25519) with either provider, OpenSSL's native library must load from /tmp, renegotiation is
 * refused, and UDP must reach the container through a published port.
 */
class ContainerProtocolsTest {
    private static final int TLS_PORT = 7443;
    private static final ExposedPort UDP = ExposedPort.udp(EchoportContainer.ECHO_PORT);
    private static final String CERT_DIR = "/etc/echoport/tls";

    @TempDir
    Path dir;

    /**
     * Both providers: {@code auto} must find netty-tcnative's BoringSSL in the image (its library unpacked into the
     * exec-capable /tmp; it links only libc, libdl, libpthread and librt, which the base carries), and {@code jdk}
     * needs only the jlink modules.
     */
    @ParameterizedTest(name = "tls.provider = {0}")
    @CsvSource({"auto, openssl (auto: BoringSSL loaded)", "jdk, jdk (configured)"})
    void tlsAndUdpEchoFromEnvironmentAlone(String provider, String served) throws Exception {
        String image = Prerequisites.dockerAndImage();
        X509Bundle ca = writeCertificates();

        try (EchoportContainer echoport = tlsContainer(image, Map.of("ECHOPORT_TLS_PROVIDER", provider,
                "ECHOPORT_UDP_ENABLED", "true"))
                .withCreateContainerCmdModifier(cmd -> {
                    // Testcontainers publishes TCP ports only; add the UDP echo port beside them.
                    List<ExposedPort> exposed = new ArrayList<>(Arrays.asList(cmd.getExposedPorts()));
                    exposed.add(UDP);
                    cmd.withExposedPorts(exposed);
                    Ports bindings = cmd.getHostConfig().getPortBindings();
                    bindings.bind(UDP, Ports.Binding.bindIp("127.0.0.1"));
                    cmd.getHostConfig().withPortBindings(bindings);
                    bindCertificates(cmd); // in case this modifier replaces tlsContainer's
                })) {
            echoport.start();
            assertThat(echoport.logText()).contains("TLS on 0.0.0.0:7443 with " + served, "UDP on 0.0.0.0:7007");

            // TLS: the certificate verifies against the test CA, host name included; 1 MiB comes back exactly.
            byte[] payload = new byte[1 << 20];
            new Random(7443).nextBytes(payload);
            try (SSLSocket tls = connectTls(ca, echoport.getHost(), echoport.getMappedPort(TLS_PORT))) {
                assertThat(roundTrip(tls, payload)).isEqualTo(payload);
                assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
            // A TLS 1.2 client that renegotiates is refused and closed: nothing more is echoed.
            try (SSLSocket tls12 = connectTls(ca, echoport.getHost(), echoport.getMappedPort(TLS_PORT), "TLSv1.2")) {
                assertThat(roundTrip(tls12, new byte[]{1})).isEqualTo(new byte[]{1});
                tls12.startHandshake();
                assertThatThrownBy(() -> {
                    tls12.getOutputStream().write(2);
                    tls12.getOutputStream().flush();
                    if (tls12.getInputStream().read() < 0) {
                        throw new java.io.EOFException("closed by the server");
                    }
                }).isInstanceOf(java.io.IOException.class);
            }
            // Plain text on the TLS port is a counted handshake failure, not an echo.
            try (Socket plain = new Socket(echoport.getHost(), echoport.getMappedPort(TLS_PORT))) {
                plain.setSoTimeout(10_000);
                plain.getOutputStream().write("not TLS\r\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = plain.getInputStream().readNBytes(64);
                assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("not TLS");
            }

            // UDP: datagrams come back unchanged to the sender.
            int udpPort = Integer.parseInt(echoport.getContainerInfo().getNetworkSettings().getPorts().getBindings()
                    .get(UDP)[0].getHostPortSpec());
            int datagrams = 20;
            int answered = 0;
            try (DatagramSocket udp = new DatagramSocket()) {
                udp.setSoTimeout(2_000);
                InetSocketAddress to = new InetSocketAddress("127.0.0.1", udpPort);
                for (int i = 0; i < datagrams; i++) {
                    byte[] msg = new byte[512];
                    new Random(i).nextBytes(msg);
                    udp.send(new DatagramPacket(msg, msg.length, to));
                    DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
                    try {
                        udp.receive(in);
                    } catch (SocketTimeoutException lost) {
                        continue; // UDP may lose a datagram; the counts below say what the service saw
                    }
                    assertThat(Arrays.copyOf(in.getData(), in.getLength())).as("datagram %d", i).isEqualTo(msg);
                    answered++;
                }
            }
            assertThat(answered).as("datagrams echoed over loopback").isGreaterThanOrEqualTo(datagrams - 1);

            int echoed = answered;
            PrometheusText m = Poll.until(Duration.ofSeconds(10), "TLS and UDP counted", echoport::metrics,
                    t -> t.valueOrZero("echoport_tls_handshake_failures_total", Map.of("reason", "not_tls")) == 1
                            && t.valueOrZero("echoport_tls_handshake_failures_total",
                            Map.of("reason", "renegotiation")) == 1
                            && t.value("echoport_udp_datagrams_sent_total") >= echoed);
            assertThat(m.value("echoport_tls_handshakes_total")).isEqualTo(2);
            assertThat(m.value("echoport_udp_datagrams_sent_total"))
                    .isEqualTo(m.value("echoport_udp_datagrams_received_total"));
            assertThat(m.value("echoport_udp_bytes_sent_total"))
                    .isEqualTo(512.0 * m.value("echoport_udp_datagrams_sent_total"));
        }
    }

    /** With a noexec /tmp the OpenSSL library cannot load: auto serves with the JDK and says why; openssl exits 2. */
    @Test
    void withANoexecTmpAutoServesTlsWithTheJdkAndAnExplicitOpensslExits2() throws Exception {
        String image = Prerequisites.dockerAndImage();
        X509Bundle ca = writeCertificates();
        try (EchoportContainer echoport = tlsContainer(image, Map.of())) {
            echoport.withTmpOptions("rw,noexec,mode=1777").start();
            assertThat(echoport.logText()).contains("TLS on 0.0.0.0:7443 with jdk (auto; openssl not available: ")
                    .contains("failed to map segment from shared object");
            try (SSLSocket tls = connectTls(ca, echoport.getHost(), echoport.getMappedPort(TLS_PORT))) {
                assertThat(roundTrip(tls, new byte[]{42})).isEqualTo(new byte[]{42});
            }
        }
        try (EchoportContainer echoport = tlsContainer(image, Map.of("ECHOPORT_TLS_PROVIDER", "openssl"))) {
            echoport.withTmpOptions("rw,noexec,mode=1777")
                    .withStartupCheckStrategy(StartedOrExited.runningOrExited())
                    .waitingFor(StartedOrExited.startedLineOrExit(Duration.ofSeconds(90)));
            echoport.start();
            assertThat(echoport.engineState().getRunning()).as("an explicit openssl that cannot load").isFalse();
            assertThat(echoport.engineState().getExitCodeLong()).isEqualTo(2L);
            assertThat(echoport.getLogs()).contains("echoport.tls.provider = openssl: not available on this host (")
                    .doesNotContain(EchoportContainer.STARTED_LINE);
        }
    }

    /** The image with TLS on from environment alone, the certificate files bind-mounted read-only. */
    private EchoportContainer tlsContainer(String image, Map<String, String> env) {
        EchoportContainer c = new EchoportContainer(image)
                .withExposedPorts(EchoportContainer.ECHO_PORT, EchoportContainer.ADMIN_PORT, TLS_PORT);
        c.withEnv(Map.of("ECHOPORT_TLS_ENABLED", "true",
                "ECHOPORT_TLS_CERTIFICATE", CERT_DIR + "/server.crt",
                "ECHOPORT_TLS_PRIVATE_KEY", CERT_DIR + "/server.key"));
        c.withEnv(env);
        c.withCreateContainerCmdModifier(this::bindCertificates);
        return c;
    }

    /** A bind made here, not with withFileSystemBind, which first runs an alpine image (no registry). */
    private void bindCertificates(com.github.dockerjava.api.command.CreateContainerCmd cmd) {
        cmd.getHostConfig().withBinds(new Bind(dir.toString(), new Volume(CERT_DIR), AccessMode.ro));
    }

    /** A test CA and a certificate for "localhost" it issued, written to {@code dir}; returns the CA. */
    private X509Bundle writeCertificates() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=echoport test CA").setIsCertificateAuthority(true)
                .ecp256().notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
                .notAfter(Instant.now().plus(1, ChronoUnit.DAYS)).buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=localhost").ecp256().addSanDnsName("localhost")
                .addExtendedKeyUsageServerAuth().notBefore(Instant.now().minus(1, ChronoUnit.DAYS))
                .notAfter(Instant.now().plus(1, ChronoUnit.DAYS)).buildIssuedBy(ca);
        // The container runs as UID 10001: the bind-mounted files must be readable by others (test keys only).
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        write(dir.resolve("server.crt"), server.getCertificatePathPEM());
        write(dir.resolve("server.key"), server.getPrivateKeyPEM());
        return ca;
    }

    private static SSLSocket connectTls(X509Bundle ca, String host, int port, String... protocols) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(10_000);
        // The certificate names "localhost": check it, as a client that cares would.
        SSLSocket named = (SSLSocket) ctx.getSocketFactory().createSocket(s, "localhost", port, true);
        if (protocols.length > 0) {
            named.setEnabledProtocols(protocols);
        }
        SSLParameters params = named.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        named.setSSLParameters(params);
        named.startHandshake();
        return named;
    }

    /** Writes {@code payload} from a second thread (so a full echo cannot deadlock against it) and reads it back. */
    private static byte[] roundTrip(Socket s, byte[] payload) throws Exception {
        OutputStream out = s.getOutputStream();
        Thread writer = new Thread(() -> {
            try {
                out.write(payload);
                out.flush();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "tls-writer");
        writer.start();
        byte[] back = new byte[payload.length];
        InputStream in = s.getInputStream();
        new DataInputStream(in).readFully(back);
        writer.join(10_000);
        return back;
    }

    private static void write(Path file, String pem) throws Exception {
        Files.writeString(file, pem);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
