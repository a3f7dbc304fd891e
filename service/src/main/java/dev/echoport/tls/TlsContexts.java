package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;

import java.io.File;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.PSSParameterSpec;

/**
 * Builds the server {@link SslContext} from the PEM files named in {@code echoport.tls}, on the provider
 * {@code tls.provider} resolved to (OpenSSL or the JDK).
 * The private key must belong to the first certificate of the chain: neither Netty nor the JDK checks this, and a
 * mismatched pair (say, a rotation caught between writing the certificate and writing the key) would fail every
 * handshake with "Invalid CertificateVerify signature" instead of failing here.
 */
public final class TlsContexts {
    static {
        // Before any server context exists, so before the JDK's TLS server code reads the switch (once).
        ClientRenegotiation.refuseOnJdk();
    }

    private TlsContexts() {
    }

    /** The private key does not belong to the certificate. */
    public static final class KeyMismatchException extends GeneralSecurityException {
        KeyMismatchException(String message) {
            super(message);
        }
    }

    public static SslContext build(ProtocolSettings.Tls tls) throws Exception {
        String password = tls.privateKeyPassword().isEmpty() ? null : tls.privateKeyPassword();
        // each file is read once, so the pair that is checked is the pair that is served
        X509Certificate[] chain = NettyPem.certificates(tls.certificate().orElseThrow().toFile());
        PrivateKey key = NettyPem.privateKey(tls.privateKey().orElseThrow().toFile(), password);
        if (chain.length == 0) {
            throw new java.security.cert.CertificateException("no certificate in the file");
        }
        checkKeyMatches(key, chain[0]);
        SslContextBuilder b = SslContextBuilder.forServer(key, chain)
                .sslProvider(tls.provider().provider())
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

    /** Signs a random challenge with {@code key} and verifies it with the certificate's public key. */
    static void checkKeyMatches(PrivateKey key, X509Certificate cert) throws GeneralSecurityException {
        PublicKey pub = cert.getPublicKey();
        Signature signer = signature(pub.getAlgorithm());
        if (signer == null) {
            return; // a key type we cannot sign with here: the handshake is the only check
        }
        byte[] pkcs8 = key.getEncoded();
        if (pkcs8 == null) {
            return; // a key that does not leave its token: the handshake is the only check
        }
        PrivateKey own; // the JDK's own key object (Netty may parse with Bouncy Castle, which names EC "ECDSA")
        byte[] proof;
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            own = KeyFactory.getInstance(pub.getAlgorithm()).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            signer.initSign(own);
            signer.update(challenge);
            proof = signer.sign();
        } catch (InvalidKeySpecException | InvalidKeyException e) {
            throw new KeyMismatchException("the private key is " + key.getAlgorithm() + ", the certificate's key is "
                    + pub.getAlgorithm() + " (" + cert.getSubjectX500Principal() + ")");
        }
        Signature verifier = signature(pub.getAlgorithm());
        verifier.initVerify(pub);
        verifier.update(challenge);
        if (!verifier.verify(proof)) {
            throw new KeyMismatchException("the private key does not belong to the certificate "
                    + cert.getSubjectX500Principal());
        }
    }

    private static Signature signature(String keyAlgorithm) throws GeneralSecurityException {
        switch (keyAlgorithm) {
            case "RSA":
                return Signature.getInstance("SHA256withRSA");
            case "EC":
                return Signature.getInstance("SHA256withECDSA");
            case "DSA":
                return Signature.getInstance("SHA256withDSA");
            case "EdDSA":
            case "Ed25519":
            case "Ed448":
                return Signature.getInstance(keyAlgorithm);
            case "RSASSA-PSS": {
                Signature s = Signature.getInstance("RSASSA-PSS");
                s.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                return s;
            }
            default:
                return null;
        }
    }

    /**
     * Netty's own PEM parsing (certificate chains; PKCS#8 keys, encrypted or not), the same code
     * {@link SslContextBuilder} uses for files, reached the way Netty meant it: from a subclass of {@link SslContext}.
     * Never instantiated.
     */
    private abstract static class NettyPem extends SslContext {
        static X509Certificate[] certificates(File f) throws Exception {
            return toX509Certificates(f);
        }

        static PrivateKey privateKey(File f, String password) throws Exception {
            return toPrivateKey(f, password);
        }
    }
}
