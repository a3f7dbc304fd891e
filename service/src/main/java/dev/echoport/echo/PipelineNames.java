package dev.echoport.echo;

/**
 * Names of echoport's pipeline handlers, in pipeline order.
 *
 * <p>Listening channel, read top to bottom:
 * <pre>
 *   {@link #ACCEPT_BACKOFF}  after an accept error (out of descriptors), stops accepting for a second
 *   {@link #ADMISSION}       the condition function: accept, reject or defer each connection before registration
 *   (Netty's acceptor)       registers admitted connections with their pipeline, below
 * </pre>
 * <p>Each connection, read top to bottom:
 * <pre>
 *   {@link #PROXY_DETECTOR}  PROXY protocol on: a header? from a trusted proxy? not too large? (leaves once it knows)
 *   {@link #PROXY_DECODER}   Netty's HAProxyMessageDecoder (leaves after the header)
 *   {@link #PROXY_ADMISSION} admission of the client the header names; adds the handlers below once admitted
 *   {@link #TLS}             Netty's SslHandler (TLS listener only)
 *   {@link #TLS_HANDSHAKE}   counts the handshake, logs a failure in one line; stays to count a refused renegotiation
 *   {@link #LIFECYCLE}       records lifetime and close cause, turns exceptions into one log line
 *   {@link #IDLE_TIMEOUT}    closes silent connections (only when echo.idle-timeout &gt; 0)
 *   {@link #FAULT_RESET_AFTER}       faults (only when configured, for the connections that get them, see
 *   {@link #FAULT_END_AFTER_BYTES}   FaultInjector): RST after a time; FIN/RST after N echoed bytes (nearest the
 *   {@link #FAULT_BANDWIDTH}         socket); echo bytes per second; chunks with pauses; every echo held back
 *   {@link #FAULT_SLICE}
 *   {@link #FAULT_LATENCY}
 *   {@link #ECHO}            writes back what it reads, with backpressure and half-close (with echo.prefix: line
 *                            echo)
 * </pre>
 */
public final class PipelineNames {
    public static final String ACCEPT_BACKOFF = "accept-backoff";
    public static final String ADMISSION = "admission";
    public static final String LIFECYCLE = "lifecycle";
    public static final String IDLE_TIMEOUT = "idle-timeout";
    public static final String ECHO = "echo";
    public static final String PROXY_DETECTOR = "proxy-detector";
    public static final String PROXY_DECODER = "proxy-decoder";
    public static final String PROXY_ADMISSION = "proxy-admission";
    public static final String TLS = "tls";
    public static final String TLS_HANDSHAKE = "tls-handshake";
    public static final String FAULT_RESET_AFTER = "fault-reset-after";
    public static final String FAULT_END_AFTER_BYTES = "fault-end-after-bytes";
    public static final String FAULT_BANDWIDTH = "fault-bandwidth";
    public static final String FAULT_SLICE = "fault-slice";
    public static final String FAULT_LATENCY = "fault-latency";

    private PipelineNames() {
    }
}
