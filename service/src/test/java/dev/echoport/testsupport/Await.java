package dev.echoport.testsupport;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.fail;

/**
 * The one way tests wait for state that changes on another thread or in another process: poll a condition until it
 * holds or a deadline passes, then fail saying what was awaited and what was last seen. Never a bare sleep as
 * synchronisation.
 */
public final class Await {
    /** Long enough for a shared, loaded 2-core machine; a condition that holds returns at once. */
    public static final Duration DEFAULT = Duration.ofSeconds(15);
    /** How long nothing may move for a stall: longer than any pause of a working writer or reader. */
    public static final Duration STALL = Duration.ofMillis(500);
    private static final long POLL_MILLIS = 5;

    private Await() {
    }

    /** Waits until {@code condition} holds; fails with {@code what} at the deadline. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, condition, DEFAULT);
    }

    public static void until(String what, BooleanSupplier condition, Duration timeout) {
        if (!holds(condition, timeout)) {
            fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
        }
    }

    /**
     * Waits until {@code value} satisfies {@code condition} and returns the value that did; fails at the deadline
     * with the last value seen.
     */
    public static <T> T value(String what, Callable<T> value, Predicate<? super T> condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        do {
            try {
                last = value.call();
            } catch (Exception e) {
                throw new AssertionError("while waiting for " + what + ": " + e, e);
            }
            if (condition.test(last)) {
                return last;
            }
            pause();
        } while (System.nanoTime() - deadline < 0);
        return fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what + "; last seen: " + last);
    }

    public static <T> T value(String what, Callable<T> value, Predicate<? super T> condition) {
        return value(what, value, condition, DEFAULT);
    }

    /**
     * Waits until every counter is above zero and none has moved for {@link #STALL}, and returns the first one's value
     * then: a writer blocked by backpressure, a server that stopped reading. A stall is the absence of an event, so it
     * can only be seen over time. Requiring each counter to have moved first keeps a side that has not started yet, or
     * is still busy with one-time JVM work (JFR initialisation on its first allocation, seen on a loaded machine),
     * from passing for a stalled one. Fails at the deadline with the counters last seen.
     */
    public static long stalled(String what, Duration timeout, LongSupplier first, LongSupplier... others) {
        long[] last = new long[1 + others.length];
        Arrays.fill(last, -1);
        long[] since = {System.nanoTime()};
        boolean stalled = holds(() -> {
            boolean moved = false;
            boolean started = true;
            for (int i = 0; i < last.length; i++) {
                long now = i == 0 ? first.getAsLong() : others[i - 1].getAsLong();
                moved |= now != last[i];
                started &= now > 0;
                last[i] = now;
            }
            if (moved || !started) {
                since[0] = System.nanoTime();
                return false;
            }
            return System.nanoTime() - since[0] >= STALL.toNanos();
        }, timeout);
        if (!stalled) {
            fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what + " (no change for "
                    + STALL.toMillis() + " ms); last seen: " + Arrays.toString(last));
        }
        return last[0];
    }

    /** True if {@code condition} held within {@code timeout}; for tests that report rather than fail. */
    public static boolean holds(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_MILLIS); // the poll interval of a deadline-bounded wait, not a synchronisation
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
