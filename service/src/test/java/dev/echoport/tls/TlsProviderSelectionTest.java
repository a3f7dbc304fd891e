package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings;
import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.EchoportProcess;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code tls.provider}: {@code auto} takes OpenSSL when it loads and says why it did not otherwise; an explicit
 * {@code openssl} that cannot load stops start-up with exit status 2 and Netty's reason, never falling back to the
 * JDK; the context built is the provider's own.
 */
class TlsProviderSelectionTest {
    /** What Netty reports when /tmp is mounted noexec (seen with a noexec tmpfs as io.netty.native.workdir). */
    private static final Throwable NOEXEC;

    static {
        NOEXEC = new IllegalArgumentException("Failed to load any of the given libraries: [netty_tcnative_linux_x86_64,"
                + " netty_tcnative]");
        NOEXEC.addSuppressed(new UnsatisfiedLinkError("/tmp/libnetty_tcnative_linux_x86_641.so: "
                + "/tmp/libnetty_tcnative_linux_x86_641.so: failed to map segment from shared object"));
    }

    /** Netty's own switch: OpenSsl.unavailabilityCause() then says it was disabled. */
    private static final Map<String, String> NO_OPENSSL =
            Map.of("JDK_JAVA_OPTIONS", "-Dio.netty.handler.ssl.noOpenSsl=true");

    @TempDir
    Path dir;

    @Test
    void auto_takes_openssl_when_it_loads_and_the_jdk_with_the_reason_when_not() throws Exception {
        assertThat(TlsProviderSelection.resolve(TlsProvider.AUTO, null, "BoringSSL").describe())
                .isEqualTo("openssl (auto: BoringSSL loaded)");
        TlsProviderSelection fallback = TlsProviderSelection.resolve(TlsProvider.AUTO, NOEXEC, null);
        assertThat(fallback.provider()).isEqualTo(SslProvider.JDK);
        assertThat(fallback.describe()).isEqualTo("jdk (auto; openssl not available: IllegalArgumentException: "
                + "Failed to load any of the given libraries: [netty_tcnative_linux_x86_64, netty_tcnative]; first: "
                + "UnsatisfiedLinkError: /tmp/libnetty_tcnative_linux_x86_641.so: /tmp/libnetty_tcnative_linux_x86_641"
                + ".so: failed to map segment from shared object (io.netty.native.workdir, default /tmp, must allow "
                + "exec))");
        assertThat(TlsProviderSelection.resolve(TlsProvider.JDK, null, "BoringSSL").describe())
                .isEqualTo("jdk (configured)");
    }

    @Test
    void an_explicit_openssl_that_cannot_load_is_refused_never_replaced() {
        assertThatThrownBy(() -> TlsProviderSelection.resolve(TlsProvider.OPENSSL, NOEXEC, null))
                .isInstanceOf(TlsProviderSelection.UnavailableException.class)
                .hasMessageStartingWith("not available on this host (IllegalArgumentException: Failed to load");
    }

    @Test
    void the_context_built_is_the_selected_providers_own() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), () -> "openssl " + OpenSsl.unavailabilityCause());
        TestPki.writeServerFiles(TestPki.server(TestPki.ca("echoport test CA"), "echoport"), dir);
        SslContext openssl = TlsContexts.build(tls(TlsProviderSelection.resolve(TlsProvider.OPENSSL)));
        SslContext jdk = TlsContexts.build(tls(TlsProviderSelection.resolve(TlsProvider.JDK)));
        assertThat(openssl).isInstanceOf(OpenSslContext.class);
        assertThat(jdk).isInstanceOf(JdkSslContext.class);
    }

    @Test
    void the_process_says_which_provider_serves_and_why() throws Exception {
        assumeTrue(OpenSsl.isAvailable(), () -> "openssl " + OpenSsl.unavailabilityCause());
        Map<String, String> auto = tlsEnv(Map.of());
        try (EchoportProcess p = EchoportProcess.start(auto)) {
            assertThat(p.awaitStdout(l -> l.contains(EchoportProcess.STARTED), Duration.ofSeconds(5)))
                    .contains(", TLS on 127.0.0.1:" + auto.get("ECHOPORT_TLS_PORT")
                            + " with openssl (auto: BoringSSL loaded)");
        }
        try (EchoportProcess p = EchoportProcess.start(tlsEnv(Map.of("ECHOPORT_TLS_PROVIDER", "jdk")))) {
            assertThat(p.awaitStdout(l -> l.contains(EchoportProcess.STARTED), Duration.ofSeconds(5)))
                    .contains(" with jdk (configured)");
        }
        try (EchoportProcess p = EchoportProcess.start(tlsEnv(NO_OPENSSL))) {
            assertThat(p.awaitStdout(l -> l.contains(EchoportProcess.STARTED), Duration.ofSeconds(5)))
                    .contains(" with jdk (auto; openssl not available: UnsupportedOperationException: "
                            + "OpenSSL was explicit disabled with -Dio.netty.handler.ssl.noOpenSsl=true)");
        }
    }

    @Test
    void an_explicit_openssl_that_cannot_load_exits_2_with_nettys_reason() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(tlsEnv(NO_OPENSSL));
        env.put("ECHOPORT_TLS_PROVIDER", "openssl");
        env.put("ECHOPORT_HOST", "127.0.0.1");
        env.put("ECHOPORT_PORT", String.valueOf(EchoportProcess.freePort()));
        env.put("ECHOPORT_ADMIN_PORT", "0");
        try (EchoportProcess p = EchoportProcess.launch(env)) {
            assertThat(p.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
            List<String> lines = awaitStderr(p).stream()
                    .filter(l -> !l.startsWith("NOTE: Picked up JDK_JAVA_OPTIONS")).toList(); // the launcher's
            assertThat(lines).containsExactly("echoport: config error: echoport.tls.provider = openssl: not available"
                    + " on this host (UnsupportedOperationException: OpenSSL was explicit disabled with "
                    + "-Dio.netty.handler.ssl.noOpenSsl=true)");
            assertThat(p.stdout()).noneMatch(l -> l.contains(EchoportProcess.STARTED));
        }
    }

    private Map<String, String> tlsEnv(Map<String, String> more) throws Exception {
        TestPki.writeServerFiles(TestPki.server(TestPki.ca("echoport test CA"), "echoport"), dir);
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put("ECHOPORT_TLS_ENABLED", "true");
        env.put("ECHOPORT_TLS_PORT", String.valueOf(EchoportProcess.freePort()));
        env.put("ECHOPORT_TLS_CERTIFICATE", dir.resolve("server.crt").toString());
        env.put("ECHOPORT_TLS_PRIVATE_KEY", dir.resolve("server.key").toString());
        return env;
    }

    /** The pump thread may still be reading the last line when the exit is seen. */
    private static List<String> awaitStderr(EchoportProcess p) {
        return dev.echoport.testsupport.Await.value("the error line on stderr", p::stderr,
                l -> l.stream().anyMatch(s -> s.startsWith("echoport:")));
    }

    private ProtocolSettings.Tls tls(TlsProviderSelection provider) {
        return new ProtocolSettings.Tls(true, 0, Optional.of(dir.resolve("server.crt")),
                Optional.of(dir.resolve("server.key")), "", ProtocolSettings.ClientAuth.NONE, Optional.empty(),
                Duration.ofSeconds(10), Duration.ZERO, provider);
    }
}
