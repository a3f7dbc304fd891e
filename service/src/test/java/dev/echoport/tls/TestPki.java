package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings.TlsProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A throwaway CA and certificates made at test time, written as the PEM files echoport reads. */
public final class TestPki {
    private TestPki() {
    }

    public static X509Bundle ca(String name) throws Exception {
        return ca(name, CertificateBuilder.Algorithm.ecp256);
    }

    /** A self-signed CA certificate whose key is of {@code algorithm}. */
    public static X509Bundle ca(String name, CertificateBuilder.Algorithm algorithm) throws Exception {
        return new CertificateBuilder().subject("CN=" + name).setIsCertificateAuthority(true).algorithm(algorithm)
                .notBefore(Instant.now().minus(1, ChronoUnit.DAYS)).notAfter(Instant.now().plus(1, ChronoUnit.DAYS))
                .buildSelfSigned();
    }

    public static X509Bundle server(X509Bundle ca, String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).ecp256().addSanIpAddress("127.0.0.1")
                .addSanDnsName("localhost").addExtendedKeyUsageServerAuth()
                .notBefore(Instant.now().minus(1, ChronoUnit.DAYS)).notAfter(Instant.now().plus(1, ChronoUnit.DAYS))
                .buildIssuedBy(ca);
    }

    public static X509Bundle client(X509Bundle ca, String cn) throws Exception {
        return new CertificateBuilder().subject("CN=" + cn).ecp256().addExtendedKeyUsageClientAuth()
                .notBefore(Instant.now().minus(1, ChronoUnit.DAYS)).notAfter(Instant.now().plus(1, ChronoUnit.DAYS))
                .buildIssuedBy(ca);
    }

    /** Writes (or atomically replaces) {@code dir/server.crt} and {@code dir/server.key}. */
    public static void writeServerFiles(X509Bundle server, Path dir) throws IOException {
        replace(dir.resolve("server.crt"), server.getCertificatePathPEM());
        replace(dir.resolve("server.key"), server.getPrivateKeyPEM());
    }

    /** Replaces only {@code dir/server.crt}: the first half of a rotation. */
    public static void writeCertificate(X509Bundle server, Path dir) throws IOException {
        replace(dir.resolve("server.crt"), server.getCertificatePathPEM());
    }

    public static Path writeCa(X509Bundle ca, Path dir) throws IOException {
        Path p = dir.resolve("ca.crt");
        replace(p, ca.getCertificatePEM());
        return p;
    }

    public static String settings(Path dir, String... more) {
        StringBuilder s = new StringBuilder("tls { enabled = true, port = 0, certificate = \""
                + dir.resolve("server.crt") + "\", private-key = \"" + dir.resolve("server.key") + "\" }");
        for (String m : more) {
            s.append('\n').append(m);
        }
        return s.toString();
    }

    /** The setting that makes {@code provider} serve the TLS listener, for {@link #settings(Path, String...)}. */
    public static String provider(TlsProvider provider) {
        return "tls.provider = " + provider.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A client socket that trusts {@code ca} (and presents {@code clientCert} if not null). */
    public static SSLSocket connect(InetSocketAddress to, X509Bundle ca, X509Bundle clientCert) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        KeyManager[] km = clientCert == null ? null : clientCert.toKeyManagerFactory().getKeyManagers();
        ctx.init(km, ca.toTrustManagerFactory().getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        s.setSoTimeout(10_000);
        s.connect(to, 10_000);
        return s;
    }

    private static void replace(Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), ".tmp", ".pem");
        Files.writeString(tmp, content);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
