package dev.echoport.overload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Read sizes follow Netty's adaptive guess, capped at 4 KiB while queued echo is over the budget. */
class PressureAwareReadsTest {
    private final EchoMemoryBudget budget = new EchoMemoryBudget(1 << 20, 2 << 20, 64 * 1024);
    private final PressureAwareReads reads = new PressureAwareReads(budget, 16);

    @Test
    void reads_up_to_sixteen_times_a_batch_as_netty_does_for_sockets() {
        assertThat(reads.maxMessagesPerRead()).isEqualTo(16);
    }

    @Test
    void a_grown_read_size_is_capped_over_the_budget_and_restored_under_it() {
        EmbeddedChannel ch = new EmbeddedChannel();
        try {
            RecvByteBufAllocator.Handle h = reads.newHandle();
            for (int i = 0; i < 8; i++) { // reads that fill the buffer make Netty's guess grow
                h.reset(ch.config());
                h.attemptedBytesRead(h.guess());
                h.lastBytesRead(h.guess());
                h.readComplete();
            }
            int grown = h.guess();
            assertThat(grown).isGreaterThan(PressureAwareReads.PRESSURE_READ);
            budget.add((1 << 20) + 1);
            assertThat(h.guess()).isEqualTo(PressureAwareReads.PRESSURE_READ);
            ByteBuf b = h.allocate(UnpooledByteBufAllocator.DEFAULT);
            try {
                assertThat(b.capacity()).isEqualTo(PressureAwareReads.PRESSURE_READ);
            } finally {
                b.release();
            }
            budget.add(-2);
            assertThat(h.guess()).isEqualTo(grown);
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
