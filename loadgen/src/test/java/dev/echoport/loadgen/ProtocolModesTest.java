package dev.echoport.loadgen;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.RunningEchoport;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --tls} and {@code --udp} against the real echoport: verified echo, and errors that are caught. */
@Timeout(120)
class ProtocolModesTest {
    @TempDir
    Path dir;

    @Test
    void tls_load_is_verified_against_the_ca_and_fails_against_another() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=echoport").ecp256().addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        X509Bundle otherCa = new CertificateBuilder().subject("CN=other").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        Files.writeString(dir.resolve("s.crt"), server.getCertificatePathPEM());
        Files.writeString(dir.resolve("s.key"), server.getPrivateKeyPEM());
        Files.writeString(dir.resolve("ca.crt"), ca.getCertificatePEM());
        Files.writeString(dir.resolve("other.crt"), otherCa.getCertificatePEM());
        try (RunningEchoport es = RunningEchoport.start("tls { enabled = true, port = 0, certificate = \""
                + dir.resolve("s.crt") + "\", private-key = \"" + dir.resolve("s.key") + "\" }")) {
            String port = String.valueOf(es.server().tlsPort());
            CliRun ok = CliRun.of("--port", port, "--tls", "--tls-ca", dir.resolve("ca.crt").toString(), "-c", "4",
                    "-s", "16KiB", "-n", "2000", "--json");
            assertThat(ok.status()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("\"mismatches\":0").contains("\"roundTrips\":2000");

            CliRun trustAll = CliRun.of("--port", port, "--tls", "-c", "1", "-n", "100", "--json");
            assertThat(trustAll.status()).as(trustAll.err()).isZero();

            CliRun distrust = CliRun.of("--port", port, "--tls", "--tls-ca", dir.resolve("other.crt").toString(),
                    "-c", "1", "-d", "500ms", "--json");
            assertThat(distrust.status()).isEqualTo(ExitCodes.CONNECTION_ERRORS);
            // The server saw the client refuse its certificate: a failed handshake (the reason is the client's
            // alert: certificate_unknown from the JDK, internal_error from BoringSSL).
            Await.until("the refused handshake counted by the server",
                    () -> es.counter("echoport.tls.handshake.failures") >= 1);
        }
    }

    @Test
    void udp_load_verifies_each_datagram_and_counts_what_the_rate_limit_drops() throws Exception {
        try (RunningEchoport es = RunningEchoport.start("udp { enabled = true, port = 0,"
                + " packets-per-second-per-source = 1000000, burst = 1000000 }")) {
            CliRun ok = CliRun.of("--port", String.valueOf(es.server().udpPort()), "--udp", "-c", "2", "-s", "1000",
                    "-n", "2000", "--json");
            assertThat(ok.status()).as(ok.err() + ok.out()).isZero();
            assertThat(ok.out()).contains("\"lost\":0").contains("\"mismatches\":0").contains("\"roundTrips\":2000");
        }
        try (RunningEchoport limited = RunningEchoport.start("udp { enabled = true, port = 0,"
                + " packets-per-second-per-source = 5, burst = 5 }")) {
            UdpLoad.Result r = UdpLoad.run(LoadOptions.defaults("127.0.0.1", limited.server().udpPort())
                    .withDuration(Duration.ofSeconds(1)).withMessageSize(64));
            assertThat(r.roundTrips()).as("burst 5 + 5/s for about 1 s").isBetween(5L, 12L);
            assertThat(r.lost()).isPositive();
            assertThat(r.mismatches()).isZero();
        }
    }

    @Test
    void udp_and_tls_together_and_a_too_small_udp_size_are_usage_errors() {
        assertThat(CliRun.of("--udp", "--tls").status()).isEqualTo(ExitCodes.USAGE);
        CliRun small = CliRun.of("--udp", "-s", "4");
        assertThat(small.status()).isEqualTo(ExitCodes.USAGE);
        assertThat(small.err().strip()).contains("--size").doesNotContain("\n");
    }

}
