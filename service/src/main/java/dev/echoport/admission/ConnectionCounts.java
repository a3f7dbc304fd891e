package dev.echoport.admission;

import java.net.InetAddress;

/** The live counts a policy decides on: admitted connections that are still open. */
public interface ConnectionCounts {
    /** Open admitted connections, all peers together. */
    int active();

    /** Open admitted connections from {@code address}. */
    int activeFrom(InetAddress address);
}
