package dev.echoport.overload;

import dev.echoport.transport.ListenerPause;
import io.netty.channel.Channel;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process-wide budget for echo bytes queued in user space (written by echoport, not yet taken by a socket),
 * summed over every connection: what turns "a peer cannot grow the server" into "all peers together cannot".
 *
 * <p>Each connection reports changes of its own queue ({@link #add}), once per read batch and when its queue drains:
 * one atomic add, no lock. Below the budget nothing happens. Above it, a connection stops reading when its queue is
 * at least {@link #pauseThreshold}, which falls from the write-buffer high watermark at the budget to a single byte at
 * the stop-accepting mark, so the connections holding the most stop first and those that keep up with their echo
 * (an empty queue) keep being served. At the stop-accepting mark the listeners stop accepting (Envoy's
 * {@code stop_accepting_connections}) until the total is back under the budget.
 */
public final class EchoMemoryBudget {
    private final long budget;
    private final long stopAccepting;
    private final long highWatermark;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param budget        queued bytes above which the biggest holders stop reading
     * @param stopAccepting queued bytes at which the listeners stop accepting (at least {@code budget})
     * @param highWatermark the per-connection write-buffer high watermark
     */
    public EchoMemoryBudget(long budget, long stopAccepting, long highWatermark) {
        if (budget <= 0 || stopAccepting < budget) {
            throw new IllegalArgumentException("budget " + budget + ", stop accepting at " + stopAccepting);
        }
        this.budget = budget;
        this.stopAccepting = stopAccepting;
        this.highWatermark = highWatermark;
    }

    /**
     * Runs {@code listener} whenever accepting turns off or on again. It is told only that the state changed, on the
     * reporting thread; it reads {@link #accepting()} when it acts, so two changes in quick succession on different
     * threads cannot leave it acting on the older one.
     */
    public void onAcceptingChanged(Runnable listener) {
        listeners.add(listener);
    }

    /** A connection's queue changed by {@code delta} bytes; returns the new total. */
    public long add(long delta) {
        long total = queued.addAndGet(delta);
        if (total >= stopAccepting ? accepting.compareAndSet(true, false)
                : total < budget && accepting.compareAndSet(false, true)) {
            for (Runnable l : listeners) {
                l.run();
            }
        }
        return total;
    }

    /** Whether a connection whose queue holds {@code pending} bytes (all reported) should stop reading now. */
    public boolean shouldPause(long pending) {
        return shouldPause(pending, 0);
    }

    /**
     * Whether a connection whose queue holds {@code pending} bytes, {@code unreported} of them not yet counted in the
     * total, should stop reading now.
     */
    public boolean shouldPause(long pending, long unreported) {
        return pending > 0 && pending >= pauseThreshold(queued.get() + unreported);
    }

    /**
     * The queue size from which a connection stops reading at a total of {@code total}: none below the budget, the
     * high watermark at the budget (so at first only peers that do not read their echo at all), falling linearly to 1
     * byte at the stop-accepting mark.
     */
    long pauseThreshold(long total) {
        if (total <= budget) {
            return Long.MAX_VALUE;
        }
        if (total >= stopAccepting || stopAccepting == budget) {
            return 1;
        }
        return Math.max(1, highWatermark * (stopAccepting - total) / (stopAccepting - budget));
    }

    /**
     * Stops {@code listener} accepting while the budget says so, and resumes it after: on the listener's own loop,
     * which owns its pause.
     */
    public void watch(Channel listener, ListenerPause pause) {
        onAcceptingChanged(() -> {
            try {
                listener.eventLoop().execute(() -> {
                    if (accepting()) {
                        pause.resume(ListenerPause.OVERLOAD);
                    } else {
                        pause.pause(ListenerPause.OVERLOAD);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                // the listener's loop is shutting down: nothing left to pause
            }
        });
    }

    /**
     * One connection's share of the room left under the stop-accepting mark, with {@code connections} open: what its
     * next read buffer may take so that all of them reading at once stay within the mark.
     */
    public long readShare(int connections) {
        return Math.max(0, stopAccepting - queued.get()) / Math.max(1, connections);
    }

    /** Echo bytes queued in user space over all connections, as last reported. */
    public long queued() {
        return queued.get();
    }

    public boolean accepting() {
        return accepting.get();
    }

    /** True while the total is above the budget: the biggest holders are paused. */
    public boolean overBudget() {
        return queued.get() > budget;
    }

    public long budget() {
        return budget;
    }

    public long stopAcceptingMark() {
        return stopAccepting;
    }
}
