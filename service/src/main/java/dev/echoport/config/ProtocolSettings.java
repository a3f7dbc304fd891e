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
     * @param maxHeaderSize  a v2 header announcing more bytes than this is refused before it is read
     */
    public record Proxy(ProxyMode mode, List<Cidr> trustedProxies, Duration timeout, int maxHeaderSize) {
        public Proxy {
            trustedProxies = List.copyOf(trustedProxies);
        }

        public boolean enabled() {
            return mode != ProxyMode.OFF;
        }

        public boolean required() {
            return mode == ProxyMode.REQUIRED;
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
     * @param packetsPerSecondPerSource  sustained replies per second to one source (IPv4 address, IPv6 /64)
     * @param burst                      replies one source may get at once before the rate applies
     * @param maxSources                 buckets in the fixed per-source table (sources hashed onto them)
     * @param maxRepliesPerSecond        replies per second to all sources together; 0 = no limit
     * @param maxReplyBytesPerSecond     reply payload bytes per second to all sources together; 0 = no limit
     */
    public record Udp(boolean enabled, int port, int maxDatagramSize, int packetsPerSecondPerSource, int burst,
                      int maxSources, int maxRepliesPerSecond, int maxReplyBytesPerSecond) {
    }
}
