package dev.echoport.admission;

import java.time.Duration;
import java.util.List;

/**
 * The built-in admission rules, as configured under {@code echoport.admission}. Immutable; a reload swaps the whole
 * record.
 *
 * @param maxConnections      open connections allowed at once; 0 = no limit
 * @param maxConnectionsPerIp open connections allowed from one address; 0 = no limit
 * @param allow               if non-empty, only peers in one of these blocks are admitted
 * @param deny                peers in any of these blocks are refused (checked before {@code allow})
 * @param overLimit           what happens to a connection beyond {@code maxConnections}
 * @param deferTimeout        how long a deferred connection may wait for a slot
 * @param rejectAction        how a refused connection is closed
 */
public record AdmissionRules(int maxConnections, int maxConnectionsPerIp, List<Cidr> allow, List<Cidr> deny,
                             OverLimit overLimit, Duration deferTimeout, RejectAction rejectAction) {

    public AdmissionRules {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** No limits, no CIDR rules: every connection is admitted. */
    public static AdmissionRules unlimited() {
        return new AdmissionRules(0, 0, List.of(), List.of(), OverLimit.REJECT, Duration.ofSeconds(5),
                RejectAction.RESET);
    }

    public AdmissionRules withMaxConnections(int max) {
        return new AdmissionRules(max, maxConnectionsPerIp, allow, deny, overLimit, deferTimeout, rejectAction);
    }

    public AdmissionRules withMaxConnectionsPerIp(int max) {
        return new AdmissionRules(maxConnections, max, allow, deny, overLimit, deferTimeout, rejectAction);
    }

    public AdmissionRules withCidrs(List<Cidr> allow, List<Cidr> deny) {
        return new AdmissionRules(maxConnections, maxConnectionsPerIp, allow, deny, overLimit, deferTimeout,
                rejectAction);
    }

    public AdmissionRules withOverLimit(OverLimit overLimit, Duration deferTimeout) {
        return new AdmissionRules(maxConnections, maxConnectionsPerIp, allow, deny, overLimit, deferTimeout,
                rejectAction);
    }


    /** What to do with a connection beyond {@code max-connections}. */
    public enum OverLimit { REJECT, DEFER }

    /** How a rejected connection is closed: RST (SO_LINGER 0, like a refusal) or an orderly FIN. */
    public enum RejectAction { RESET, CLOSE }
}
