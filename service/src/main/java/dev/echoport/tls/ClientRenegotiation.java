package dev.echoport.tls;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Client-initiated renegotiation (TLS 1.2 and older) is refused, as nginx and HAProxy refuse it: each one costs the
 * server a full handshake for the price of a few bytes, on a connection admission has already counted once.
 * <ul>
 *   <li>OpenSSL: netty-tcnative's BoringSSL never renegotiates as a server; it answers a client's new ClientHello with
 *   a fatal {@code no_renegotiation} alert ({@code NO_RENEGOTIATION}).</li>
 *   <li>JDK: renegotiation is allowed unless {@code jdk.tls.rejectClientInitiatedRenegotiation} is true, and the JDK
 *   reads that property once, when its TLS server code is first initialised. {@link #refuseOnJdk()} sets it; it runs
 *   first thing in {@code Main} and before any echoport TLS context is built.</li>
 * </ul>
 * TLS 1.3 has no renegotiation: a ClientHello after the handshake is a protocol error on both providers.
 */
public final class ClientRenegotiation {
    static final String JDK_PROPERTY = "jdk.tls.rejectClientInitiatedRenegotiation";
    private static final Logger log = LoggerFactory.getLogger(ClientRenegotiation.class);
    private static boolean done;

    private ClientRenegotiation() {
    }

    /**
     * Makes the JDK's TLS server refuse client-initiated renegotiation, unless the operator set the property
     * explicitly (then a false value is named in one WARN line). Idempotent.
     */
    public static synchronized void refuseOnJdk() {
        if (done) {
            return;
        }
        done = true;
        String given = System.getProperty(JDK_PROPERTY);
        if (given == null) {
            System.setProperty(JDK_PROPERTY, "true");
        } else if (!Boolean.parseBoolean(given.strip())) {
            log.warn("-D{}={}: clients may renegotiate TLS 1.2 on the jdk provider (each renegotiation costs a "
                    + "handshake); remove it to refuse them", JDK_PROPERTY, given);
        }
    }

    /** Whether {@code cause}, raised after the handshake completed, is the refusal of a client's renegotiation. */
    static boolean isRefusal(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            // JDK: "Client initiated renegotiation is not allowed"; BoringSSL: "...:NO_RENEGOTIATION"
            if (m.contains("renegotiation")) {
                return true;
            }
        }
        return false;
    }
}
