package dev.echoport.config;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.transport.TransportSelection;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything echoport is configured with, validated once at start-up (see {@code reference.conf} for each key's
 * meaning and default). Immutable: nothing reads HOCON after this is built.
 */
public record Settings(Server server, Socket socket, AdmissionRules admission, Optional<String> policyClass,
                       Echo echo, Overload overload, Duration shutdownGracePeriod, Admin admin, Metrics metrics,
                       ProtocolSettings protocols, FaultSettings faults) {

    /**
     * @param host      address to listen on
     * @param ports     the echo TCP ports, one listener (or {@code listeners} of them) each; 0 takes an ephemeral port
     * @param transport the resolved I/O model
     * @param ioThreads event-loop threads; 0 = Netty's default (2 x cores); for OIO, 0 = one thread per connection
     * @param listeners listening sockets bound to each port (more than one needs SO_REUSEPORT)
     */
    public record Server(String host, List<Integer> ports, TransportSelection transport, int ioThreads,
                         int listeners) {
        public Server {
            ports = List.copyOf(ports);
        }

        /** The first echo port: the one for a single-port set-up. */
        public int port() {
            return ports.get(0);
        }
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
     * @param echoMemoryBudget queued echo bytes, all connections together, above which the biggest holders stop
     *                         reading ({@code auto} already resolved from the JVM's direct memory)
     * @param stopAcceptingAt  the multiple of the budget at which the listeners stop accepting
     */
    public record Overload(long echoMemoryBudget, double stopAcceptingAt) {
        public long stopAcceptingBytes() {
            return (long) (echoMemoryBudget * stopAcceptingAt);
        }
    }

    /**
     * @param enabled        false when {@code echoport.admin.port = 0}
     * @param port           admin HTTP port; 0 here (with enabled) takes an ephemeral port, which only code can ask for
     * @param maxConnections open admin connections at most; a new one beyond it closes the one waiting longest
     * @param requestTimeout from the first byte of a request (a new connection's opening, for its first request) to
     *                       the last byte of its answer handed to the kernel
     * @param idleTimeout    a kept-alive connection with no request started for this long is closed
     */
    public record Admin(boolean enabled, String host, int port, int maxConnections, Duration requestTimeout,
                        Duration idleTimeout) {
        /** The defaults of {@code reference.conf} (SettingsTest checks that they agree). */
        public static final int DEFAULT_MAX_CONNECTIONS = 64;
        public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

        /** An admin listener with the default limits (tests and embedders choose only where it listens). */
        public Admin(boolean enabled, String host, int port) {
            this(enabled, host, port, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT);
        }

        public Admin withLimits(int maxConnections, Duration requestTimeout, Duration idleTimeout) {
            return new Admin(enabled, host, port, maxConnections, requestTimeout, idleTimeout);
        }
    }

    /** @param commonTags tags added to every meter (e.g. instance, pod) */
    public record Metrics(Map<String, String> commonTags) {
        public Metrics {
            commonTags = Map.copyOf(commonTags);
        }
    }

    public Settings withAdmin(Admin a) {
        return new Settings(server, socket, admission, policyClass, echo, overload, shutdownGracePeriod, a, metrics,
                protocols, faults);
    }

}
