package dev.echoport.admission;

import java.util.Locale;
import java.util.function.Function;

/** Why a connection was refused; each value is one {@code reason} label of the rejection counter. */
public enum RejectReason {
    /** The global {@code max-connections} was reached (and {@code over-limit = reject}). */
    MAX_CONNECTIONS,
    /** The peer's address already holds {@code max-connections-per-ip} connections. */
    MAX_PER_IP,
    /** The peer matched a {@code deny} CIDR, or an {@code allow} list exists and it matched none. */
    DENIED,
    /** The connection was deferred and no slot freed within {@code defer-timeout}. */
    DEFER_TIMEOUT,
    /** A user-supplied {@link AdmissionPolicy} refused it. */
    POLICY,
    /** The server began draining while the connection was still deferred. */
    SHUTDOWN,
    /** A PROXY protocol header (or, with proxy-protocol = required, any connection) from outside trusted-proxies. */
    UNTRUSTED_PROXY,
    /** With PROXY protocol on: the header was invalid, or did not arrive within proxy-protocol-timeout. */
    PROXY_HEADER;

    /**
     * The text after the colon of a rejection summary line, from the rules in force ("max-connections 1000 reached");
     * {@code protocolReasons} words the PROXY protocol's own reasons.
     */
    public String explain(AdmissionRules r, String policyName, Function<RejectReason, String> protocolReasons) {
        return switch (this) {
            case MAX_CONNECTIONS -> "max-connections " + r.maxConnections() + " reached";
            case MAX_PER_IP -> "max-connections-per-ip " + r.maxConnectionsPerIp() + " reached";
            case DENIED -> "peer outside admission.allow or inside admission.deny";
            case DEFER_TIMEOUT -> "no slot freed within defer-timeout " + r.deferTimeout().toMillis() + " ms";
            case POLICY -> "refused by admission policy " + policyName;
            case SHUTDOWN -> "still deferred when the server began draining";
            case UNTRUSTED_PROXY, PROXY_HEADER -> protocolReasons.apply(this);
        };
    }

    /** The metric label value: "max_connections", "max_per_ip", ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
