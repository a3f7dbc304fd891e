package dev.echoport.overload;

import dev.echoport.transport.ListenerPause;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 *
 * <p><b>Direct memory is watched too.</b> Queued echo bytes are not what runs out: the JVM's direct memory in use is
 * 1.3 to 1.5 times larger under a flood ({@link DirectMemory}), so a budget on the echo bytes alone let io_uring run
 * out of direct memory below its stop mark. The same two actions therefore also follow the direct memory in use, on
 * a scale of its own while the queues hold at least half the budget (until they are back under a quarter of it):
 * pausing starts at {@link #DIRECT_PAUSE_SHARE} of the JVM's limit and reaches one byte, with the listeners stopped,
 * at {@link #DIRECT_STOP_SHARE}; whichever of the two scales is further along decides. Accepting resumes once both
 * are back under their start, or the queues under a quarter of the budget.
 */
public final class EchoMemoryBudget {
    /** Share of the JVM's direct memory in use from which the biggest holders pause, whatever is queued. */
    public static final double DIRECT_PAUSE_SHARE = 0.70;
    /** Share of the JVM's direct memory in use at which every holder pauses and the listeners stop accepting. */
    public static final double DIRECT_STOP_SHARE = 0.85;
    static final long RECHECK_MILLIS = 100;
    private static final Logger log = LoggerFactory.getLogger(EchoMemoryBudget.class);

    private final long budget;
    private final long stopAccepting;
    private final long highWatermark;
    private final DirectMemory direct;
    private final long directPause;
    private final long directStop;
    private final AtomicLong queued = new AtomicLong();
    private final AtomicBoolean accepting = new AtomicBoolean(true);
    private volatile boolean directCounts;
    private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();

    /**
     * @param budget        queued bytes above which the biggest holders stop reading
     * @param stopAccepting queued bytes at which the listeners stop accepting (at least {@code budget})
     * @param highWatermark the per-connection write-buffer high watermark
     * @param direct        the JVM's direct memory, watched beside the queued bytes
     */
    public EchoMemoryBudget(long budget, long stopAccepting, long highWatermark, DirectMemory direct) {
        if (budget <= 0 || stopAccepting < budget) {
            throw new IllegalArgumentException("budget " + budget + ", stop accepting at " + stopAccepting);
        }
        this.budget = budget;
        this.stopAccepting = stopAccepting;
        this.highWatermark = highWatermark;
        this.direct = direct;
        this.directPause = (long) (direct.max() * DIRECT_PAUSE_SHARE);
        this.directStop = (long) (direct.max() * DIRECT_STOP_SHARE);
        onAcceptingChanged(() -> log.warn(accepting()
                ? "memory back under the budget, accepting again: {}"
                : "memory at a stop-accepting mark, not accepting until it is back under the budget: {}", describe()));
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
        double level = level(total);
        if (level >= 1 ? accepting.compareAndSet(true, false) : level < 0 && accepting.compareAndSet(false, true)) {
            for (Runnable l : listeners) {
                try {
                    l.run();
                } catch (RuntimeException e) { // the state changed for good: every other listener must hear of it
                    log.warn("a listener of the memory budget failed", e);
                }
            }
        }
        return total;
    }

    /**
     * Judges the direct memory in use again with nothing reported: memory is freed by other threads too (the
     * allocator gives back a chunk when its last buffer goes), so accepting would otherwise resume only at the next
     * report.
     */
    public void recheck() {
        add(0);
    }

    /**
     * Runs {@link #recheck} every {@link #RECHECK_MILLIS} ms on {@code scheduler} until it shuts down. A listener that
     * throws is logged, and the rechecks go on (a scheduled task that throws is never run again).
     */
    public void recheckEvery(ScheduledExecutorService scheduler) {
        scheduler.scheduleWithFixedDelay(() -> {
            try {
                recheck();
            } catch (RuntimeException e) { // never expected: listeners' failures are caught in add()
                log.warn("memory budget recheck failed", e);
            }
        }, RECHECK_MILLIS, RECHECK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /**
     * How far along the pressure is at {@code total} queued bytes and the direct memory in use now: below 0 under
     * both starts (the budget, {@link #DIRECT_PAUSE_SHARE}), 0 to 1 between a start and its stop mark, 1 at or past
     * a stop mark. The further along of the two scales, the direct memory's only while the queues hold at least half
     * the budget ({@link #directCounts}): it is what they pin that the watch is for. With the queues (nearly) empty, direct memory in use is
     * what the allocator keeps for reuse (chunks per size class and thread, never trimmed) or holds for something
     * else, which refusing clients would not free: the process would stay "overloaded" for good. Reads stay within
     * half the memory left whatever this says ({@link #hardReadShare}).
     */
    private double level(long total) {
        double echo = level(total, budget, stopAccepting);
        return directCounts(total) ? Math.max(echo, level(direct.used(), directPause, directStop)) : echo;
    }

    /**
     * Whether the direct memory in use counts at {@code total} queued bytes: from half the budget, and until the
     * queues are back under a quarter of it, so that a total hovering around half the budget does not switch the
     * watch on and off (with the allocator keeping 85% for reuse, each switch would stop and resume accepting).
     * Threads may race on the flag; the next report sets it right.
     */
    private boolean directCounts(long total) {
        boolean counts = total >= budget / 2 || (directCounts && total >= budget / 4);
        if (counts != directCounts) {
            directCounts = counts;
        }
        return counts;
    }

    private static double level(long value, long start, long stop) {
        if (value >= stop) {
            return 1;
        }
        if (value <= start) {
            return value < start ? -1 : 0;
        }
        return (double) (value - start) / (stop - start);
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
     * The queue size from which a connection stops reading at a total of {@code total} (and the direct memory in use
     * now): none below the budget, the high watermark at the budget (so at first only peers that do not read their
     * echo at all), falling linearly to 1 byte at the stop-accepting mark.
     */
    long pauseThreshold(long total) {
        double level = level(total);
        if (level <= 0) {
            return Long.MAX_VALUE;
        }
        return level >= 1 ? 1 : Math.max(1, (long) (highWatermark * (1 - level)));
    }

    /**
     * Stops {@code listener} accepting while the budget says so, and resumes it after: on the listener's own loop,
     * which owns its pause.
     */
    public void watch(Channel listener, ListenerPause pause) {
        Runnable follow = () -> {
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
        };
        onAcceptingChanged(follow);
        if (!accepting()) { // a listener bound while the process is overloaded starts paused
            follow.run();
        }
    }

    /**
     * One connection's share of the room left under the stop-accepting marks (queued bytes, and direct memory while
     * it counts: the lesser room), with {@code connections} open: what its next read buffer may take so that all of
     * them reading at once stay within the marks.
     */
    public long readShare(int connections) {
        long total = queued.get();
        long room = stopAccepting - total;
        if (directCounts(total)) {
            room = Math.min(room, directStop - direct.used());
        }
        return Math.max(0, room) / Math.max(1, connections);
    }

    /**
     * One connection's share of half the direct memory left before the JVM's limit itself, with {@code connections}
     * open: what its next read may take at most however small that makes it, so that all of them reading at once
     * (io_uring allocates every read's buffer when it submits the read) leave half the room to everything else.
     */
    public long hardReadShare(int connections) {
        return Math.max(0, direct.max() - direct.used()) / 2 / Math.max(1, connections);
    }

    /** Echo bytes queued in user space over all connections, as last reported. */
    public long queued() {
        return queued.get();
    }

    public boolean accepting() {
        return accepting.get();
    }

    /** True while the total is above the budget, or direct memory above its pause share: the biggest holders pause. */
    public boolean overBudget() {
        return level(queued.get()) > 0;
    }

    public long budget() {
        return budget;
    }

    public long stopAcceptingMark() {
        return stopAccepting;
    }

    /** Direct memory in use from which the biggest holders pause. */
    public long directPauseMark() {
        return directPause;
    }

    /** Direct memory in use at which every holder pauses and the listeners stop accepting. */
    public long directStopMark() {
        return directStop;
    }

    /** The two measures against their marks, for a log line. */
    public String describe() {
        return String.format("queued echo bytes %,d (budget %,d, stop mark %,d), direct memory in use %,d of %,d "
                + "(pause from %,d, stop mark %,d)", queued.get(), budget, stopAccepting, direct.used(), direct.max(),
                directPause, directStop);
    }
}
