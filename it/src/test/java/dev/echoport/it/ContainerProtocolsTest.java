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

/**
 * TLS and UDP echo inside the image, switched on by environment alone: the shell-less jlink runtime must carry what
 * TLS needs (EC keys, X25519), and UDP must reach the container through a published port.
 */
class ContainerProtocolsTest {
    private static final int TLS_PORT = 7443;
    private static final ExposedPort UDP = ExposedPort.udp(EchoportContainer.ECHO_PORT);
    private static final String CERT_DIR = "/etc/echoport/tls";

    @TempDir
    Path dir;

    @Test
    void tlsAndUdpEchoFromEnvironmentAlone() throws Exception {
        String image = Prerequisites.dockerAndImage();
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

        try (EchoportContainer echoport = new EchoportContainer(image)
                .withExposedPorts(EchoportContainer.ECHO_PORT, EchoportContainer.ADMIN_PORT, TLS_PORT)
                .withEnv(Map.of("ECHOPORT_TLS_ENABLED", "true",
                        "ECHOPORT_TLS_CERTIFICATE", CERT_DIR + "/server.crt",
                        "ECHOPORT_TLS_PRIVATE_KEY", CERT_DIR + "/server.key",
                        "ECHOPORT_UDP_ENABLED", "true"))
                .withCreateContainerCmdModifier(cmd -> {
                    // Testcontainers publishes TCP ports only; add the UDP echo port beside them.
                    List<ExposedPort> exposed = new ArrayList<>(Arrays.asList(cmd.getExposedPorts()));
                    exposed.add(UDP);
                    cmd.withExposedPorts(exposed);
                    Ports bindings = cmd.getHostConfig().getPortBindings();
                    bindings.bind(UDP, Ports.Binding.bindIp("127.0.0.1"));
                    cmd.getHostConfig().withPortBindings(bindings);
                    // A bind made here, not with withFileSystemBind, which first runs an alpine image (no registry).
                    cmd.getHostConfig().withBinds(new Bind(dir.toString(), new Volume(CERT_DIR), AccessMode.ro));
                })) {
            echoport.start();
            assertThat(echoport.logText()).contains("TLS on 0.0.0.0:7443", "UDP on 0.0.0.0:7007");

            // TLS: the certificate verifies against the test CA, host name included; 1 MiB comes back exactly.
            byte[] payload = new byte[1 << 20];
            new Random(7443).nextBytes(payload);
            try (SSLSocket tls = connectTls(ca, echoport.getHost(), echoport.getMappedPort(TLS_PORT))) {
                assertThat(roundTrip(tls, payload)).isEqualTo(payload);
                assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
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
                            && t.value("echoport_udp_datagrams_sent_total") >= echoed);
            assertThat(m.value("echoport_tls_handshakes_total")).isEqualTo(1);
            assertThat(m.value("echoport_udp_datagrams_sent_total"))
                    .isEqualTo(m.value("echoport_udp_datagrams_received_total"));
            assertThat(m.value("echoport_udp_bytes_sent_total"))
                    .isEqualTo(512.0 * m.value("echoport_udp_datagrams_sent_total"));
        }
    }

    private static SSLSocket connectTls(X509Bundle ca, String host, int port) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, ca.toTrustManagerFactory().getTrustManagers(), null);
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.setSoTimeout(10_000);
        // The certificate names "localhost": check it, as a client that cares would.
        SSLSocket named = (SSLSocket) ctx.getSocketFactory().createSocket(s, "localhost", port, true);
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
