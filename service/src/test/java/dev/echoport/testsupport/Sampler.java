package dev.echoport.testsupport;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/** Samples a value on a thread of its own while a scenario runs (every 0.2 ms), keeping the least and most seen. */
public final class Sampler implements AutoCloseable {
    private final AtomicInteger min = new AtomicInteger(Integer.MAX_VALUE);
    private final AtomicInteger max = new AtomicInteger(Integer.MIN_VALUE);
    private final AtomicInteger samples = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    public Sampler(IntSupplier value) {
        thread = new Thread(() -> {
            while (running.get()) {
                int v = value.getAsInt();
                min.accumulateAndGet(v, Math::min);
                max.accumulateAndGet(v, Math::max);
                samples.incrementAndGet();
                LockSupport.parkNanos(200_000);
            }
        }, "sampler");
        thread.setDaemon(true);
        thread.start();
    }

    public int min() {
        return min.get();
    }

    public int max() {
        return max.get();
    }

    public int samples() {
        return samples.get();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
