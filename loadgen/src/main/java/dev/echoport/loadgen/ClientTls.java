package dev.echoport.loadgen;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import javax.net.ssl.SSLException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The client TLS context of {@code --tls}: trusts the CA file given, or (for load tests only) any certificate. It uses
 * OpenSSL (BoringSSL, through netty-tcnative) when it loads, as the server does by default, so that a TLS measurement
 * measures the server rather than the JDK's TLS in the client sharing its cores; else the JDK's provider.
 */
public final class ClientTls {
    private ClientTls() {
    }

    /** The provider {@link #context} uses: OpenSSL when it loads here. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** @param caFile PEM CA certificates to verify the server against; null = accept any server certificate */
    public static SslContext context(Path caFile) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider());
            if (caFile == null) {
                b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            } else {
                if (!Files.isReadable(caFile)) {
                    throw new IllegalArgumentException("--tls-ca " + caFile + ": not found or not readable");
                }
                b.trustManager(caFile.toFile());
            }
            return b.build();
        } catch (SSLException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("--tls-ca " + caFile + ": " + e.getMessage(), e);
        }
    }
}
