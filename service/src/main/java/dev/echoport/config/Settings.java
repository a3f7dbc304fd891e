package dev.echoport.config;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.transport.TransportSelection;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything echoport is configured with, validated once at start-up (see {@code reference.conf} for each key's
 * meaning and default). Immutable: nothing reads HOCON after this is built.
 */
public record Settings(Server server, Socket socket, AdmissionRules admission, Optional<String> policyClass,
                       Echo echo, Duration shutdownGracePeriod, Admin admin, Metrics metrics,
                       ProtocolSettings protocols, FaultSettings faults) {

    /** Settings without injected faults. */
    public Settings(Server server, Socket socket, AdmissionRules admission, Optional<String> policyClass, Echo echo,
                    Duration shutdownGracePeriod, Admin admin, Metrics metrics, ProtocolSettings protocols) {
        this(server, socket, admission, policyClass, echo, shutdownGracePeriod, admin, metrics, protocols,
                FaultSettings.off());
    }

    /** Settings with PROXY protocol, TLS and UDP off. */
    public Settings(Server server, Socket socket, AdmissionRules admission, Optional<String> policyClass, Echo echo,
                    Duration shutdownGracePeriod, Admin admin, Metrics metrics) {
        this(server, socket, admission, policyClass, echo, shutdownGracePeriod, admin, metrics, ProtocolSettings.off());
    }

    /**
     * @param host      address to listen on
     * @param port      TCP port; 0 takes an ephemeral port
     * @param transport the resolved I/O model
     * @param ioThreads event-loop threads; 0 = Netty's default (2 x cores); for OIO, 0 = one thread per connection
     * @param listeners listening sockets bound to the port (more than one needs SO_REUSEPORT)
     */
    public record Server(String host, int port, TransportSelection transport, int ioThreads, int listeners) {
    }

    /**
     * Socket options; buffer sizes of 0 leave the operating system's default.
     */
    public record Socket(int backlog, boolean tcpNoDelay, boolean reuseAddress, boolean reusePort, int receiveBuffer,
                         int sendBuffer, boolean keepAlive) {
    }

    /**
     * @param writeBufferHighWatermark queued echo bytes at which reading from the peer pauses
     * @param writeBufferLowWatermark  queued echo bytes at which reading resumes
     * @param idleTimeout              silent connections are closed after this; zero = never
     * @param prefix                   "" = exact echo; else each line is answered as {@code <prefix> <line>}
     * @param maxLineLength            prefix mode: a longer line (before its \n) closes the connection
     */
    public record Echo(int writeBufferHighWatermark, int writeBufferLowWatermark, Duration idleTimeout,
                       String prefix, int maxLineLength) {
        /** Exact echo (no prefix), lines up to 64 KiB should a prefix be set later. */
        public Echo(int writeBufferHighWatermark, int writeBufferLowWatermark, Duration idleTimeout) {
            this(writeBufferHighWatermark, writeBufferLowWatermark, idleTimeout, "", 64 * 1024);
        }

        public boolean idleTimeoutEnabled() {
            return !idleTimeout.isZero();
        }

        /** Whether replies are lines with a prefix (Istio tcp-echo's protocol) rather than the exact bytes. */
        public boolean prefixMode() {
            return !prefix.isEmpty();
        }
    }

    /**
     * @param enabled false when {@code echoport.admin.port = 0}
     * @param port    admin HTTP port; 0 here (with enabled) takes an ephemeral port, which only code can ask for
     */
    public record Admin(boolean enabled, String host, int port) {
    }

    /** @param commonTags tags added to every meter (e.g. instance, pod) */
    public record Metrics(Map<String, String> commonTags) {
        public Metrics {
            commonTags = Map.copyOf(commonTags);
        }
    }

    public Settings withServer(Server s) {
        return new Settings(s, socket, admission, policyClass, echo, shutdownGracePeriod, admin, metrics,
                protocols, faults);
    }

    public Settings withAdmission(AdmissionRules a) {
        return new Settings(server, socket, a, policyClass, echo, shutdownGracePeriod, admin, metrics,
                protocols, faults);
    }

    public Settings withEcho(Echo e) {
        return new Settings(server, socket, admission, policyClass, e, shutdownGracePeriod, admin, metrics,
                protocols, faults);
    }

    public Settings withAdmin(Admin a) {
        return new Settings(server, socket, admission, policyClass, echo, shutdownGracePeriod, a, metrics,
                protocols, faults);
    }

    public Settings withShutdownGracePeriod(Duration d) {
        return new Settings(server, socket, admission, policyClass, echo, d, admin, metrics, protocols, faults);
    }

    public Settings withProtocols(ProtocolSettings p) {
        return new Settings(server, socket, admission, policyClass, echo, shutdownGracePeriod, admin,
                metrics, p, faults);
    }

    public Settings withFaults(FaultSettings f) {
        return new Settings(server, socket, admission, policyClass, echo, shutdownGracePeriod, admin, metrics,
                protocols, f);
    }

    public Settings withPolicyClass(Optional<String> p) {
        return new Settings(server, socket, admission, p, echo, shutdownGracePeriod, admin, metrics, protocols, faults);
    }
}
