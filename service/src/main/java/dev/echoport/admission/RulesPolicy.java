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
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RulesPolicy.class);
    private final int threadCap;
    private volatile AdmissionRules rules;

    public RulesPolicy(AdmissionRules rules) {
        this(rules, 0);
    }

    /**
     * @param threadCap oio with {@code io-threads = N} serves N connections at once, a thread each: N then also caps
     *                  {@code max-connections}, so the next connection is refused cleanly; 0 = no cap
     */
    public RulesPolicy(AdmissionRules rules, int threadCap) {
        this.threadCap = threadCap;
        this.rules = capped(rules);
    }

    public AdmissionRules rules() {
        return rules;
    }

    public void update(AdmissionRules rules) {
        this.rules = capped(rules);
    }

    private AdmissionRules capped(AdmissionRules r) {
        if (threadCap > 0 && (r.maxConnections() == 0 || r.maxConnections() > threadCap)) {
            log.info("oio with io-threads = {}: max-connections capped at {} (one thread per connection)", threadCap,
                    threadCap);
            return r.withMaxConnections(threadCap);
        }
        return r;
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
