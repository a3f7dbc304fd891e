package dev.echoport.admission;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a policy answers for one connection: a {@link Verdict} and, for a rejection, its {@link RejectReason}.
 * Every possible decision is a shared constant, so deciding allocates nothing.
 */
public final class Decision {
    public static final Decision ACCEPT = new Decision(Verdict.ACCEPT, null);
    public static final Decision DEFER = new Decision(Verdict.DEFER, null);
    private static final Map<RejectReason, Decision> REJECTIONS = new EnumMap<>(RejectReason.class);

    static {
        for (RejectReason r : RejectReason.values()) {
            REJECTIONS.put(r, new Decision(Verdict.REJECT, r));
        }
    }

    private final Verdict verdict;
    private final RejectReason reason;

    private Decision(Verdict verdict, RejectReason reason) {
        this.verdict = verdict;
        this.reason = reason;
    }

    public static Decision reject(RejectReason reason) {
        return REJECTIONS.get(Objects.requireNonNull(reason, "reason"));
    }

    public Verdict verdict() {
        return verdict;
    }

    /** The reason of a {@link Verdict#REJECT}; {@code null} for the other verdicts. */
    public RejectReason reason() {
        return reason;
    }

    @Override
    public String toString() {
        return reason == null ? verdict.name() : verdict + "(" + reason.label() + ")";
    }
}
