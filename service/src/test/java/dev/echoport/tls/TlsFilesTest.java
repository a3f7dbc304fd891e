package dev.echoport.tls;

import ch.qos.logback.classic.Level;
import com.typesafe.config.ConfigFactory;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.testsupport.CapturingAppender;
import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The certificate and key files: a pair that does not match is never put in force, at start-up or on reload. */
class TlsFilesTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = CertificateBuilder.Algorithm.class, names = {"ecp256", "rsa2048", "ed25519"})
    void a_key_is_accepted_with_its_own_certificate_and_refused_with_another(CertificateBuilder.Algorithm alg)
            throws Exception {
        X509Bundle a = TestPki.ca("a", alg);
        X509Bundle b = TestPki.ca("b", alg);
        assertThatCode(() -> TlsContexts.checkKeyMatches(a.getKeyPair().getPrivate(), a.getCertificate()))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> TlsContexts.checkKeyMatches(b.getKeyPair().getPrivate(), a.getCertificate()))
                .isInstanceOf(TlsContexts.KeyMismatchException.class)
                .hasMessage("the private key does not belong to the certificate CN=a");
    }

    @Test
    void a_key_of_another_type_is_refused_by_name() throws Exception {
        X509Bundle ec = TestPki.ca("ec", CertificateBuilder.Algorithm.ecp256);
        X509Bundle rsa = TestPki.ca("rsa", CertificateBuilder.Algorithm.rsa2048);
        assertThatThrownBy(() -> TlsContexts.checkKeyMatches(rsa.getKeyPair().getPrivate(), ec.getCertificate()))
                .isInstanceOf(TlsContexts.KeyMismatchException.class)
                .hasMessage("the private key is RSA, the certificate's key is EC (CN=ec)");
    }

    @Test
    void a_key_that_is_not_the_certificates_stops_start_up_naming_the_key() throws Exception {
        X509Bundle ca = TestPki.ca("echoport test CA");
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        Path firstKey = Files.copy(dir.resolve("server.key"), dir.resolve("first.key"));
        TestPki.writeServerFiles(TestPki.server(ca, "second"), dir);
        String hocon = "echoport.tls { enabled = true, certificate = \"" + dir.resolve("server.crt")
                + "\", private-key = \"" + firstKey + "\" }";
        assertThatThrownBy(() -> SettingsLoader.fromConfig(ConfigFactory.parseString(hocon)
                .withFallback(SettingsLoader.defaults()).resolve()))
                .hasMessageStartingWith("echoport.tls.private-key = \"" + firstKey + "\": "
                        + "does not match tls.certificate: "
                        + "the private key does not belong to the certificate CN=second");
    }

    @Test
    void a_rotation_caught_between_the_certificate_and_the_key_waits_for_the_key() throws Exception {
        X509Bundle ca = TestPki.ca("echoport test CA");
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        List<Boolean> reported = new CopyOnWriteArrayList<>();
        ReloadingSslContext files = new ReloadingSslContext(tls(), reported::add);
        SslContext first = files.current();

        X509Bundle second = TestPki.server(ca, "second");
        TestPki.writeCertificate(second, dir);
        assertThat(files.checkForChange()).as("new certificate, old key").isFalse();
        assertThat(files.current()).as("the old pair stays in force").isSameAs(first);
        assertThat(reported).as("nothing reported mid-rotation").isEmpty();

        TestPki.writeServerFiles(second, dir);
        assertThat(files.checkForChange()).as("the key arrived").isTrue();
        assertThat(files.current()).isNotSameAs(first);
        assertThat(reported).containsExactly(true);
    }

    @Test
    void a_mismatch_still_there_at_the_next_check_is_reported_once() throws Exception {
        X509Bundle ca = TestPki.ca("echoport test CA");
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        List<Boolean> reported = new CopyOnWriteArrayList<>();
        ReloadingSslContext files = new ReloadingSslContext(tls(), reported::add);
        SslContext first = files.current();
        CapturingAppender.clear();

        TestPki.writeCertificate(TestPki.server(ca, "second"), dir);
        assertThat(files.checkForChange()).isFalse();
        assertThat(reported).isEmpty();
        assertThat(files.checkForChange()).isFalse();
        assertThat(reported).as("unchanged for a whole check: a real failure").containsExactly(false);
        assertThat(files.checkForChange()).isFalse();
        assertThat(reported).as("reported once, until the files change again").containsExactly(false);
        assertThat(files.current()).isSameAs(first);
        assertThat(CapturingAppender.messages(ReloadingSslContext.class.getName(), Level.ERROR)).singleElement()
                .asString().isEqualTo("TLS certificate reload failed, the previous certificate stays in use: "
                        + "the private key does not belong to the certificate CN=second");
    }

    @Test
    void a_failure_reported_by_sighup_is_not_reported_again_by_the_file_watch() throws Exception {
        X509Bundle ca = TestPki.ca("echoport test CA");
        TestPki.writeServerFiles(TestPki.server(ca, "first"), dir);
        List<Boolean> reported = new CopyOnWriteArrayList<>();
        ReloadingSslContext files = new ReloadingSslContext(tls(), reported::add);

        TestPki.writeCertificate(TestPki.server(ca, "second"), dir);
        assertThat(files.reload()).isFalse();
        assertThat(reported).containsExactly(false);
        assertThat(files.checkForChange()).isFalse();
        assertThat(files.checkForChange()).isFalse();
        assertThat(reported).as("the same files, already reported").containsExactly(false);
    }

    private ProtocolSettings.Tls tls() throws Exception {
        return tls(TlsProviderSelection.resolve(ProtocolSettings.TlsProvider.AUTO));
    }

    private ProtocolSettings.Tls tls(TlsProviderSelection provider) {
        return new ProtocolSettings.Tls(true, 0, Optional.of(dir.resolve("server.crt")),
                Optional.of(dir.resolve("server.key")), "", ProtocolSettings.ClientAuth.NONE, Optional.empty(),
                Duration.ofSeconds(10), Duration.ZERO, provider);
    }
}
