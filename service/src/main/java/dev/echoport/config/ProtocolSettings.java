package dev.echoport.config;

import dev.echoport.admission.Cidr;
import dev.echoport.tls.TlsProviderSelection;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Settings of the protocol additions beside plain TCP echo: PROXY protocol on the TCP listeners, the TLS listener and
 * the UDP listener (see {@code reference.conf} for each key).
 */
public record ProtocolSettings(Proxy proxy, Tls tls, Udp udp) {

    /** Everything off: plain TCP echo only. */
    public static ProtocolSettings off() {
        return new ProtocolSettings(
                new Proxy(ProxyMode.OFF, List.of(), Duration.ofSeconds(5)),
                new Tls(false, 0, Optional.empty(), Optional.empty(), "", ClientAuth.NONE, Optional.empty(),
                        Duration.ofSeconds(10), Duration.ofSeconds(10),
                        TlsProviderSelection.notResolved(TlsProvider.AUTO)),
                new Udp(false, 0, 65507, 100, 200, 100_000));
    }

    /** Whether TCP listeners expect a PROXY protocol header before the client's bytes. */
    public enum ProxyMode { OFF, OPTIONAL, REQUIRED }

    /** The TLS implementation: OpenSSL (netty-tcnative's BoringSSL) when it loads, OpenSSL only, or the JDK's. */
    public enum TlsProvider { AUTO, OPENSSL, JDK }

    /** Whether the TLS listener asks clients for a certificate. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    /**
     * @param mode           off, optional (a header may come first) or required (no header, no echo)
     * @param trustedProxies only connections from these blocks may carry a header
     * @param timeout        the header (or, in optional mode, the first bytes that are not one) must arrive within this
     */
    public record Proxy(ProxyMode mode, List<Cidr> trustedProxies, Duration timeout) {
        public Proxy {
            trustedProxies = List.copyOf(trustedProxies);
        }

        public boolean enabled() {
            return mode != ProxyMode.OFF;
        }

        public boolean trusts(java.net.InetSocketAddress peer) {
            for (Cidr c : trustedProxies) {
                if (c.matches(peer)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * @param port                TLS listener port; 0 takes an ephemeral one
     * @param certificate         PEM certificate chain, leaf first
     * @param privateKey          PEM PKCS#8 private key
     * @param privateKeyPassword  password of an encrypted key; "" = not encrypted
     * @param trustCertificates   PEM CA certificates client certificates are checked against
     * @param reloadCheckInterval how often the files are checked for change; zero = only on reload (SIGHUP)
     * @param provider            the TLS implementation asked for and (while TLS is on) the one that serves
     */
    public record Tls(boolean enabled, int port, Optional<Path> certificate, Optional<Path> privateKey,
                      String privateKeyPassword, ClientAuth clientAuth, Optional<Path> trustCertificates,
                      Duration handshakeTimeout, Duration reloadCheckInterval, TlsProviderSelection provider) {
    }

    /**
     * @param maxDatagramSize            larger datagrams are dropped (reason too_large)
     * @param packetsPerSecondPerSource  sustained replies per second to one source address
     * @param burst                      replies one source may get at once before the rate applies
     * @param maxSources                 source addresses tracked at once; the least recently seen is forgotten
     */
    public record Udp(boolean enabled, int port, int maxDatagramSize, int packetsPerSecondPerSource, int burst,
                      int maxSources) {
    }
}
