package dev.echoport.overload;

import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.metrics.EchoMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Read sizes follow Netty's adaptive guess, capped at 4 KiB while queued echo is over the budget and at each
 * connection's share of the room under the stop-accepting mark otherwise, and below 4 KiB where even that would take
 * more than half the direct memory left; a read buffer that cannot be had fails its connection, not the event loop.
 */
class PressureAwareReadsTest {
    private final AtomicLong directInUse = new AtomicLong();
    private final EchoMemoryBudget budget = new EchoMemoryBudget(1 << 20, 2 << 20, 64 * 1024,
            new DirectMemory(directInUse::get, 1L << 30));
    private final AtomicInteger connections = new AtomicInteger(1);
    private final PressureAwareReads reads = new PressureAwareReads(budget, connections::get, 16);

    @Test
    void reads_up_to_sixteen_times_a_batch_as_netty_does_for_sockets() {
        assertThat(reads.maxMessagesPerRead()).isEqualTo(16);
    }

    /** A handle whose reads filled their buffers, so that Netty's guess grew to 64 KiB. */
    private RecvByteBufAllocator.Handle grown(EmbeddedChannel ch) {
        return grown(reads, ch);
    }

    private static RecvByteBufAllocator.Handle grown(PressureAwareReads from, EmbeddedChannel ch) {
        RecvByteBufAllocator.Handle h = from.newHandle();
        for (int i = 0; i < 8; i++) {
            h.reset(ch.config());
            h.attemptedBytesRead(h.guess());
            h.lastBytesRead(h.guess());
            h.readComplete();
        }
        return h;
    }

    @Test
    void many_connections_each_read_at_most_their_share_of_the_room_under_the_mark() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            RecvByteBufAllocator.Handle h = grown(ch);
            assertThat(h.guess()).as("one connection, 2 MiB of room").isEqualTo(64 * 1024);
            connections.set(1_100); // the flood that ran a CI run out of direct memory, scaled: 2 MiB / 1,100
            assertThat(h.guess()).isEqualTo(PressureAwareReads.PRESSURE_READ);
            connections.set(64); // 2 MiB / 64 = 32 KiB each
            assertThat(h.guess()).isEqualTo(32 * 1024);
            budget.add(1 << 20); // half the room queued: 16 KiB each
            assertThat(h.guess()).isEqualTo(16 * 1024);
            assertThat((long) h.guess() * connections.get()).isLessThanOrEqualTo(budget.stopAcceptingMark()
                    - budget.queued());
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void a_grown_read_size_is_capped_over_the_budget_and_restored_under_it() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            RecvByteBufAllocator.Handle h = grown(ch);
            int grown = h.guess();
            assertThat(grown).isGreaterThan(PressureAwareReads.PRESSURE_READ);
            budget.add((1 << 20) + 1);
            assertThat(h.guess()).isEqualTo(PressureAwareReads.PRESSURE_READ);
            ByteBuf b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            try {
                assertThat(b.capacity()).isEqualTo(PressureAwareReads.PRESSURE_READ);
                assertThat(b.maxCapacity()).as("oio's read loop grows a buffer as far as it may")
                        .isEqualTo(PressureAwareReads.PRESSURE_READ);
            } finally {
                b.release();
            }
            budget.add(-2);
            assertThat(h.guess()).isEqualTo(grown);
            ByteBuf normal = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            try {
                assertThat(normal.maxCapacity()).as("at most one read of 64 KiB, oio's too")
                        .isEqualTo(PressureAwareReads.MAX_READ);
            } finally {
                normal.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void near_the_jvm_limit_reads_shrink_below_the_floor_to_half_the_room_left() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            RecvByteBufAllocator.Handle h = grown(ch);
            connections.set(1_000);
            directInUse.set((1L << 30) - 4_000_000); // 4 MB left: half of it is 2,000 B each
            assertThat(h.guess()).isEqualTo(2_000);
            directInUse.set(1L << 30);
            assertThat(h.guess()).as("nothing left: the smallest read").isEqualTo(PressureAwareReads.MIN_READ);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /** An allocator out of direct memory, as the JDK reports it. */
    private static ByteBufAllocator exhausted() {
        return new AbstractByteBufAllocator(true) {
            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                throw new OutOfMemoryError("Cannot reserve " + initialCapacity + " bytes of direct buffer memory");
            }

            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                throw new AssertionError("reads take direct buffers");
            }

            @Override
            public boolean isDirectBufferPooled() {
                return true;
            }
        };
    }

    @Test
    void without_a_channel_a_read_buffer_that_cannot_be_had_fails_as_an_exception_not_an_error() {
        RecvByteBufAllocator.Handle h = reads.newHandle();
        assertThatThrownBy(() -> h.allocate(exhausted())).isInstanceOf(ReadBufferUnavailableException.class)
                .hasCauseInstanceOf(OutOfMemoryError.class).hasMessageContaining("Cannot reserve");
    }

    @Test
    void where_nothing_may_be_thrown_a_read_buffer_that_cannot_be_had_closes_its_connection_as_an_error() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionLifecycleHandler(new EchoMetrics(registry)));
        try {
            RecvByteBufAllocator.Handle h = reads.reportingTo(
                    failure -> ConnectionLifecycleHandler.closeOnErrorLater(ch, failure)).newHandle();
            ByteBuf b = h.allocate(exhausted());
            assertThat(b.capacity()).as("an empty buffer: the read reads nothing").isZero();
            assertThat(ch.isOpen()).as("closed once this read is over, on the channel's loop").isTrue();
            ch.runPendingTasks();
            assertThat(ch.isOpen()).isFalse();
            assertThat(registry.get(EchoMetrics.CONNECTIONS_CLOSED).tag("cause", "error").counter().count())
                    .isEqualTo(1);
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void under_the_budget_too_a_read_takes_at_most_its_share_of_half_the_memory_left() {
        AtomicLong used = new AtomicLong((1L << 30) * 6 / 10); // 60% of 1 GiB in use: 429 MB left
        EchoMemoryBudget roomy = new EchoMemoryBudget(1L << 40, 1L << 41, 64 * 1024,
                new DirectMemory(used::get, 1L << 30));
        PressureAwareReads many = new PressureAwareReads(roomy, () -> 5_000, 16);
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            RecvByteBufAllocator.Handle h = grown(many, ch);
            assertThat(roomy.overBudget()).isFalse();
            assertThat(h.guess()).as("half of 429 MB over 5,000 connections")
                    .isEqualTo((int) (((1L << 30) - used.get()) / 2 / 5_000));
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
