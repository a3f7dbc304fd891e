package dev.echoport.admission;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * Exact counts of admitted, still-open connections: in total, and per client address once the client is known.
 *
 * <p>A connection whose client is not known yet (its PROXY protocol header is pending) counts in the total only: it
 * holds a slot of {@code max-connections} from accept, and is counted under its client's address once the header
 * names it ({@link #resolve}).
 *
 * <p>Deciding and counting happen under this object's lock, so that however many listeners accept at once and however
 * many connections close meanwhile, the count a policy sees is the count it changes: the total can never pass a limit
 * and never go below zero. {@link Admission} takes the same lock to keep its defer queue in step with the counts. The
 * lock is taken when a connection opens and when it closes, never on the data path.
 */
public final class ConnectionTracker implements ConnectionCounts {
    private final Map<InetAddress, int[]> perAddress = new HashMap<>();
    private volatile int active;

    /**
     * Asks {@code policy} about {@code peer} and, when it accepts, counts the connection under the peer's address.
     * A policy that throws or answers {@code null} rejects the connection with reason {@link RejectReason#POLICY}.
     */
    public synchronized Decision admit(InetSocketAddress peer, InetSocketAddress local, AdmissionPolicy policy) {
        Decision d = decide(peer, local, policy, this);
        if (d.verdict() == Verdict.ACCEPT) {
            count(peer.getAddress());
        }
        return d;
    }

    /** The policy's answer, never {@code null}, never thrown: a failing policy refuses ({@code policy}). */
    static Decision decide(InetSocketAddress peer, InetSocketAddress local, AdmissionPolicy policy,
                           ConnectionCounts counts) {
        try {
            Decision d = policy.decide(peer, local, counts);
            return d == null ? Decision.reject(RejectReason.POLICY) : d;
        } catch (RuntimeException e) {
            return Decision.reject(RejectReason.POLICY);
        }
    }

    /** Counts one connection; {@code address} {@code null} = the client is not known yet (total only). */
    synchronized void count(InetAddress address) {
        if (address != null) {
            perAddress.computeIfAbsent(address, a -> new int[1])[0]++;
        }
        active++;
    }

    /** Counts a connection counted with an unknown client under its client's {@code address} now. */
    synchronized void resolve(InetAddress address) {
        perAddress.computeIfAbsent(address, a -> new int[1])[0]++;
    }

    /**
     * Uncounts one admitted connection: under {@code address}, or in the total only when {@code null} (its client
     * never became known). Called exactly once per counted connection.
     */
    public synchronized void release(InetAddress address) {
        if (active == 0) {
            throw new IllegalStateException("release without admit for " + address);
        }
        if (address != null) {
            int[] n = perAddress.get(address);
            if (n == null) {
                throw new IllegalStateException("release without admit for " + address);
            }
            if (--n[0] == 0) {
                perAddress.remove(address);
            }
        }
        active--;
        if (active == 0) {
            notifyAll();
        }
    }

    @Override
    public int active() {
        return active;
    }

    @Override
    public synchronized int activeFrom(InetAddress address) {
        int[] n = perAddress.get(address);
        return n == null ? 0 : n[0];
    }

    /** Distinct client addresses with at least one open connection. */
    public synchronized int addresses() {
        return perAddress.size();
    }

    /** These counts without one connection: what a policy sees when it decides on a connection already counted. */
    ConnectionCounts excludingOne() {
        return new ConnectionCounts() {
            @Override
            public int active() {
                return ConnectionTracker.this.active() - 1;
            }

            @Override
            public int activeFrom(InetAddress address) {
                return ConnectionTracker.this.activeFrom(address);
            }
        };
    }

    /** Waits until no counted connection is open, or {@code timeoutNanos} pass; true if none is open. */
    synchronized boolean awaitNone(long timeoutNanos) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (active > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }
}
