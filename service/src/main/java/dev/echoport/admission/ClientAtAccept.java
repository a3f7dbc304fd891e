package dev.echoport.admission;

/**
 * Who the client of a newly accepted connection is, as far as the accept-time decision can know. Without the PROXY
 * protocol it is always the peer; with it, a trusted load balancer names the client in a header that has not arrived
 * yet.
 */
public enum ClientAtAccept {
    /** The peer itself: every rule is decided on its address now. */
    PEER,
    /**
     * The peer itself, unless its first bytes turn out to be a PROXY protocol header, which it may not send
     * ({@code proxy-protocol = optional}, not a trusted proxy): every rule is decided on its address now, and the
     * admission is confirmed once its first bytes show that no header comes.
     */
    PEER_UNCONFIRMED,
    /**
     * Named by a PROXY protocol header still to come: the connection takes a slot of {@code max-connections} now
     * (or is deferred or refused for it), and the rules about the client are decided once the header names it.
     */
    HEADER,
    /** A peer that may not connect at all: {@code proxy-protocol = required} and it is not a trusted proxy. */
    UNTRUSTED
}
