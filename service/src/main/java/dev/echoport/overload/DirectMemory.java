package dev.echoport.overload;

import io.netty.util.internal.PlatformDependent;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.LongSupplier;

/**
 * The JVM's direct memory as the limit that throws {@code OutOfMemoryError: Cannot reserve ... direct buffer memory}
 * counts it: what is in use, and the most there may be ({@code -XX:MaxDirectMemorySize}, by default the maximum heap).
 *
 * <p>This, not the echo bytes queued, is what runs out. The pooled allocator holds whole chunks while any buffer in
 * them lives, a read buffer is larger than what the read returned, and io_uring holds a buffer for every read in
 * flight and rings of its own: in a flood of non-readers (48 MiB, 8 KiB socket buffers) 30.3 MB queued held
 * 46.2 MB of direct memory on io_uring, 44.4 MB on epoll and 39.2 MB on nio.
 *
 * @param inUse bytes of direct memory in use now; read on the data path, so one counter read
 * @param max   the most the JVM lets it reach
 */
public record DirectMemory(LongSupplier inUse, long max) {

    /**
     * This JVM's counter: Netty's own where Netty allocates without cleaners and keeps count itself, else the JDK's
     * "direct" buffer pool (what {@code ByteBuffer.allocateDirect} reserves against the limit).
     */
    public static DirectMemory ofThisJvm() {
        long max = PlatformDependent.maxDirectMemory();
        if (PlatformDependent.usedDirectMemory() >= 0) {
            return new DirectMemory(PlatformDependent::usedDirectMemory, max);
        }
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return new DirectMemory(pool::getMemoryUsed, max);
            }
        }
        throw new IllegalStateException("this JVM reports no \"direct\" buffer pool");
    }

    /** Memory nothing else uses and that never runs out: for tests of the echo budget alone. */
    public static DirectMemory unlimited() {
        return new DirectMemory(() -> 0, Long.MAX_VALUE);
    }

    public long used() {
        return inUse.getAsLong();
    }
}
