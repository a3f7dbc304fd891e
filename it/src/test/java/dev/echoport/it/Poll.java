package dev.echoport.it;

import java.time.Duration;
import java.util.function.Predicate;

/** Polls external state (a container, an HTTP endpoint) until it satisfies a condition or a deadline passes. */
final class Poll {
    private static final long INTERVAL_MILLIS = 100;

    private Poll() {
    }

    /** Something to read that may fail. */
    @FunctionalInterface
    interface Source<T> {
        T get() throws Exception;
    }

    /** Returns the first value that satisfies {@code done}; fails naming {@code what} and the last value otherwise. */
    static <T> T until(Duration timeout, String what, Source<T> source, Predicate<T> done) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = null;
        while (true) {
            try {
                T value = source.get();
                if (done.test(value)) {
                    return value;
                }
                last = value;
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() >= deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; last: " + last);
            }
            Thread.sleep(INTERVAL_MILLIS);
        }
    }
}
