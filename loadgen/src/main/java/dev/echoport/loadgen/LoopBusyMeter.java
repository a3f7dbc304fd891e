package dev.echoport.loadgen;

import io.netty.util.concurrent.EventExecutor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * How busy the client's event-loop threads were over a window, from their CPU time: a loop near 100% means the client,
 * not the server, may have set the pace.
 */
final class LoopBusyMeter {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final long[] threadIds;
    private final long[] cpuAtStart;
    private final long wallAtStart;

    private LoopBusyMeter(long[] threadIds) {
        this.threadIds = threadIds;
        this.cpuAtStart = new long[threadIds.length];
        for (int i = 0; i < threadIds.length; i++) {
            cpuAtStart[i] = THREADS.getThreadCpuTime(threadIds[i]);
        }
        this.wallAtStart = System.nanoTime();
    }

    /** Starts measuring the distinct threads behind {@code loops} (asks each loop which thread it runs on). */
    static LoopBusyMeter start(List<EventExecutor> loops) throws InterruptedException {
        Set<EventExecutor> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(loops);
        List<Long> ids = new ArrayList<>();
        if (THREADS.isThreadCpuTimeSupported()) {
            for (EventExecutor loop : distinct) {
                io.netty.util.concurrent.Future<Long> id = loop.submit(() -> Thread.currentThread().getId());
                if (id.await(5, TimeUnit.SECONDS) && id.isSuccess()) {
                    ids.add(id.getNow());
                }
            }
        }
        return new LoopBusyMeter(ids.stream().mapToLong(Long::longValue).toArray());
    }

    /** CPU time / wall time of the busiest loop thread since {@link #start}; 0 when not measurable. */
    double busiestFraction() {
        double wall = System.nanoTime() - wallAtStart;
        double busiest = 0;
        for (int i = 0; i < threadIds.length; i++) {
            long now = THREADS.getThreadCpuTime(threadIds[i]);
            if (now >= 0 && cpuAtStart[i] >= 0 && wall > 0) {
                busiest = Math.max(busiest, (now - cpuAtStart[i]) / wall);
            }
        }
        return Math.min(busiest, 1.0);
    }
}
