package dev.echoport.admission;

import io.netty.channel.Channel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Told about every admission decision, as it happens; implemented by the metrics. */
public interface AdmissionObserver {
    /** Admitted on the listener of local port {@code port}. */
    void accepted(int port);

    /** Refused on the listener of local port {@code port}. */
    void rejected(int port, RejectReason reason);

    void deferred();

    /**
     * The port to tell about {@code ch}: its listener's port, which is known even for a socket that died before its
     * own local address was read (0 for a channel without an IP address, such as a bare EmbeddedChannel).
     */
    static int port(Channel ch) {
        SocketAddress local = (ch.parent() != null ? ch.parent() : ch).localAddress();
        return local instanceof InetSocketAddress inet ? inet.getPort() : 0;
    }
}
