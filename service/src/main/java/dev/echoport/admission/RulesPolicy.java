package dev.echoport.admission;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * The built-in condition function, from {@link AdmissionRules}. Rules are checked in this order, the first that
 * refuses wins:
 * <ol>
 *   <li>{@code deny}: a peer in a denied block is rejected ({@code denied});</li>
 *   <li>{@code allow}: when the list is non-empty, a peer in none of its blocks is rejected ({@code denied});</li>
 *   <li>{@code max-connections-per-ip}: a peer already at its limit is rejected ({@code max_per_ip}) &mdash; never
 *       deferred, because a deferred connection holds back every connection queued behind it;</li>
 *   <li>{@code max-connections}: at the limit, {@code over-limit} decides: rejected ({@code max_connections}) or
 *       deferred;</li>
 *   <li>otherwise the connection is admitted (and a user policy, if configured, is asked next).</li>
 * </ol>
 * Rules can be swapped at run time ({@link #update}); a swap applies to the next decision.
 */
public final class RulesPolicy implements AdmissionPolicy {
    private volatile AdmissionRules rules;

    public RulesPolicy(AdmissionRules rules) {
        this.rules = rules;
    }

    public AdmissionRules rules() {
        return rules;
    }

    public void update(AdmissionRules rules) {
        this.rules = rules;
    }

    @Override
    public Decision decide(InetSocketAddress peer, InetSocketAddress local, ConnectionCounts counts) {
        AdmissionRules r = rules;
        if (anyMatch(r.deny(), peer) || (!r.allow().isEmpty() && !anyMatch(r.allow(), peer))) {
            return Decision.reject(RejectReason.DENIED);
        }
        if (r.maxConnectionsPerIp() > 0 && counts.activeFrom(peer.getAddress()) >= r.maxConnectionsPerIp()) {
            return Decision.reject(RejectReason.MAX_PER_IP);
        }
        return decideTotal(r, counts);
    }

    /**
     * Only {@code max-connections}: what can be decided on a connection whose client is not known yet (its PROXY
     * protocol header is still to come).
     */
    public Decision decideTotal(ConnectionCounts counts) {
        return decideTotal(rules, counts);
    }

    private static Decision decideTotal(AdmissionRules r, ConnectionCounts counts) {
        if (r.maxConnections() > 0 && counts.active() >= r.maxConnections()) {
            return r.overLimit() == AdmissionRules.OverLimit.DEFER
                    ? Decision.DEFER : Decision.reject(RejectReason.MAX_CONNECTIONS);
        }
        return Decision.ACCEPT;
    }

    private static boolean anyMatch(List<Cidr> cidrs, InetSocketAddress peer) {
        for (int i = 0; i < cidrs.size(); i++) {
            if (cidrs.get(i).matches(peer)) {
                return true;
            }
        }
        return false;
    }
}
