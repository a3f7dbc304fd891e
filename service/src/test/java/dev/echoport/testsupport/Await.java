package dev.echoport.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
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
