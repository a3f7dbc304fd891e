package dev.echoport.loadgen.bench;

import dev.echoport.testsupport.RunningEchoport;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench names the TLS provider the server reported, read from a real echoport's /metrics. */
@Timeout(60)
class TlsProviderProbeTest {
    @TempDir
    Path dir;

    @Test
    void reads_the_active_provider_and_what_was_requested_from_the_exposition() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle cert = new CertificateBuilder().subject("CN=echoport").ecp256().addSanIpAddress("127.0.0.1")
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        Files.writeString(dir.resolve("s.crt"), cert.getCertificatePathPEM());
        Files.writeString(dir.resolve("s.key"), cert.getPrivateKeyPEM());
        try (RunningEchoport es = RunningEchoport.start("tls { enabled = true, port = 0, certificate = \""
                + dir.resolve("s.crt") + "\", private-key = \"" + dir.resolve("s.key") + "\" }")) {
            String expected = (OpenSsl.isAvailable() ? "openssl" : "jdk") + " (tls.provider = auto)";
            assertThat(TlsProviderProbe.parse(es.get("/metrics", null).body())).contains(expected);
        }
        try (RunningEchoport plain = RunningEchoport.start("")) {
            assertThat(TlsProviderProbe.parse(plain.get("/metrics", null).body())).isEmpty();
        }
    }

    @Test
    void without_the_sample_it_says_what_was_asked_for_not_what_served() {
        ServerSpec defaults = ServerSpec.of(ServerKind.ECHOPORT, "nio");
        ServerSpec jdk = new ServerSpec(ServerKind.ECHOPORT, "nio", "jdk-tls", Map.of(),
                Map.of("echoport.tls.provider", "jdk"));
        assertThat(TlsProviderProbe.notReported(defaults)).startsWith("not reported").contains("tls.provider = auto");
        assertThat(TlsProviderProbe.notReported(jdk)).isEqualTo("not reported in /metrics (tls.provider = jdk)");
    }
}
