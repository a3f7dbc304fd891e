package dev.echoport.admission;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * The connections that {@code over-limit = defer} holds, unregistered, in arrival order, each with its listener and
 * its deadline. Not thread-safe: {@link Admission} uses it under the tracker's lock, so that a connection is queued
 * in the same step as the decision that deferred it and is taken off in the same step as the count that admits it.
 */
final class DeferQueue {
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    boolean isEmpty() {
        return held.isEmpty();
    }

    void add(Held h) {
        held.add(h);
    }

    /** Takes {@code h} off the queue; false if it was decided already. */
    boolean remove(Held h) {
        return held.remove(h);
    }

    /** Takes off every connection {@code gate} holds. */
    List<Held> removeAll(AcceptAdmissionHandler gate) {
        List<Held> out = new ArrayList<>();
        for (Iterator<Held> it = held.iterator(); it.hasNext(); ) {
            Held h = it.next();
            if (h.gate == gate) {
                it.remove();
                out.add(h);
            }
        }
        return out;
    }

    /**
     * Decides the queue from its head, in order, until a connection is deferred again: each one decided otherwise is
     * taken off with its decision ({@code null} for a client that left while it waited).
     */
    List<Decided> takeDecided(Function<Held, Decision> decide) {
        List<Decided> out = new ArrayList<>();
        while (!held.isEmpty()) {
            Held h = held.peek();
            Decision d = decide.apply(h);
            if (d != null && d.verdict() == Verdict.DEFER) {
                break;
            }
            held.poll();
            out.add(new Decided(h, d));
        }
        return out;
    }

    record Decided(Held held, Decision decision) {
    }

    /** A deferred connection, unregistered, waiting for a slot. */
    static final class Held {
        final Channel child;
        /** Its client is named by a PROXY header still to come: only max-connections applies now. */
        final boolean pending;
        /** Counted as accepted only once the PROXY protocol handlers confirm it. */
        final boolean confirmedLater;
        final AcceptAdmissionHandler gate;
        final long deadline;
        /** Set on the listener's loop right after queueing, read there only. */
        ScheduledFuture<?> timeout;

        Held(Channel child, boolean pending, boolean confirmedLater, AcceptAdmissionHandler gate, long deadline) {
            this.child = child;
            this.pending = pending;
            this.confirmedLater = confirmedLater;
            this.gate = gate;
            this.deadline = deadline;
        }

        void cancelTimeout() {
            if (timeout != null) {
                timeout.cancel(false);
            }
        }
    }
}
