package dev.echoport.admission;

import java.net.InetSocketAddress;

/** Asks {@code first}; only a connection it accepts is put to {@code then}. */
public record ChainedPolicy(AdmissionPolicy first, AdmissionPolicy then) implements AdmissionPolicy {
    @Override
    public Decision decide(InetSocketAddress peer, InetSocketAddress local, ConnectionCounts counts) {
        Decision d = first.decide(peer, local, counts);
        return d.verdict() == Verdict.ACCEPT ? then.decide(peer, local, counts) : d;
    }
}
