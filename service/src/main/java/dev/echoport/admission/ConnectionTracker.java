package dev.echoport.admission;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Exact counts of admitted, still-open connections, in total and per peer address.
 *
 * <p>Deciding and counting happen under one lock ({@link #admit}), so that however many listeners accept at once and
 * however many connections close meanwhile, the count a policy sees is the count it changes: the total can never pass
 * a limit and never go below zero. The lock is taken once when a connection opens and once when it closes, never on
 * the data path.
 */
public final class ConnectionTracker implements ConnectionCounts {
    private final Map<InetAddress, int[]> perAddress = new HashMap<>();
    private final CopyOnWriteArrayList<Runnable> slotListeners = new CopyOnWriteArrayList<>();
    private volatile int active;

    /**
     * Asks {@code policy} about {@code peer} and, when it accepts, counts the connection; both under the lock.
     * A policy that throws rejects the connection with reason {@link RejectReason#POLICY}.
     */
    public Decision admit(InetSocketAddress peer, InetSocketAddress local, AdmissionPolicy policy) {
        synchronized (this) {
            Decision d;
            try {
                d = policy.decide(peer, local, this);
            } catch (RuntimeException e) {
                d = Decision.reject(RejectReason.POLICY);
            }
            if (d == null) {
                d = Decision.reject(RejectReason.POLICY);
            }
            if (d.verdict() == Verdict.ACCEPT) {
                perAddress.computeIfAbsent(peer.getAddress(), a -> new int[1])[0]++;
                active++;
            }
            return d;
        }
    }

    /** Uncounts one admitted connection from {@code address}; called exactly once per admitted connection. */
    public void release(InetAddress address) {
        synchronized (this) {
            int[] n = perAddress.get(address);
            if (n == null || active == 0) {
                throw new IllegalStateException("release without admit for " + address);
            }
            if (--n[0] == 0) {
                perAddress.remove(address);
            }
            active--;
            if (active == 0) {
                notifyAll();
            }
        }
        for (Runnable l : slotListeners) {
            l.run();
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

    /** Distinct peer addresses with at least one open connection. */
    public synchronized int addresses() {
        return perAddress.size();
    }

    /** Runs {@code listener} after every release (on the releasing thread): a slot may have freed. */
    public void onSlotFreed(Runnable listener) {
        slotListeners.add(listener);
    }

    public void removeSlotListener(Runnable listener) {
        slotListeners.remove(listener);
    }

    /** Waits until no admitted connection is open, or {@code timeout} passes; true if none is open. */
    public boolean awaitNone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (active > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                Duration d = Duration.ofNanos(left);
                wait(Math.max(1, d.toMillis()));
            }
            return true;
        }
    }
}
