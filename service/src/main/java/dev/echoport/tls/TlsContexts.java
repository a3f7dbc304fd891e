package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;

/** Builds the server {@link SslContext} from the PEM files named in {@code echoport.tls}, on the JDK provider. */
public final class TlsContexts {
    private TlsContexts() {
    }

    public static SslContext build(ProtocolSettings.Tls tls) throws SSLException {
        String password = tls.privateKeyPassword().isEmpty() ? null : tls.privateKeyPassword();
        SslContextBuilder b = SslContextBuilder.forServer(tls.certificate().orElseThrow().toFile(),
                        tls.privateKey().orElseThrow().toFile(), password)
                .sslProvider(SslProvider.JDK)
                .clientAuth(switch (tls.clientAuth()) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRE -> ClientAuth.REQUIRE;
                });
        if (tls.clientAuth() != ProtocolSettings.ClientAuth.NONE) {
            b.trustManager(tls.trustCertificates().orElseThrow().toFile());
        }
        return b.build();
    }
}
