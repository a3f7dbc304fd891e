package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.overload.DirectMemory;
import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.testsupport.EmbeddedConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The echo loop's logic on an embedded connection whose peer can stop reading: exact echo, the counters, reading
 * paused past the high watermark and resumed below the low one, and the close after a half-close.
 */
class EchoHandlerTest {
    private static final int LOW = 1024;
    private static final int HIGH = 4096;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EchoMetrics metrics = new EchoMetrics(registry);
    /** A budget of 1 KiB for the process, accepting stopped at 8 KiB: small enough to reach from one connection. */
    private final EchoMemoryBudget budget = new EchoMemoryBudget(1024, 8192, HIGH, DirectMemory.unlimited());
    private final EmbeddedConnection ch = new EmbeddedConnection("10.0.0.1");

    EchoHandlerTest() {
        ch.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW, HIGH));
        ch.pipeline().addLast(new EchoHandler(metrics, metrics.port(7007), false, budget));
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    @Test
    void echoes_every_byte_in_order_and_counts_it_once_sent() {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{1, 2, 3}), Unpooled.wrappedBuffer(new byte[]{4}));
        assertThat(outbound()).containsExactly(1, 2, 3, 4);
        assertThat(counter(EchoMetrics.BYTES_RECEIVED)).isEqualTo(4.0);
        assertThat(counter(EchoMetrics.BYTES_SENT)).isEqualTo(4.0);
    }

    @Test
    void an_empty_read_is_released_and_echoes_nothing() {
        ByteBuf empty = Unpooled.buffer(0);
        ch.writeInbound(empty);
        assertThat(empty.refCnt()).isZero();
        assertThat((Object) ch.readOutbound()).isNull();
    }

    @Test
    void reading_pauses_past_the_high_watermark_while_the_peer_does_not_read_and_resumes_below_the_low_one() {
        ch.peerReads(false);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[HIGH]));
        assertThat(ch.config().isAutoRead()).as("a read that crosses the high watermark pauses reading").isFalse();
        assertThat(pauses("peer_slow")).isEqualTo(1.0);
        assertThat(counter(EchoMetrics.BYTES_SENT)).as("nothing reached the peer yet").isZero();
        assertThat(ch.unsafe().outboundBuffer().totalPendingWriteBytes()).isLessThanOrEqualTo(HIGH + HIGH);

        ch.peerReads(true); // the peer drains its queue
        assertThat(ch.config().isAutoRead()).as("reading again below the low watermark").isTrue();
        assertThat(outbound()).hasSize(HIGH);
        assertThat(counter(EchoMetrics.BYTES_SENT)).isEqualTo(HIGH);
    }

    @Test
    void over_the_memory_budget_a_connection_holding_a_large_share_stops_reading_until_its_queue_drains() {
        ch.peerReads(false);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[3000])); // under the watermark, over the process budget
        // Reported at the end of the batch, with Netty's 96 bytes of bookkeeping per queued write (the batch and
        // its marker): the memory it really holds.
        assertThat(budget.queued()).as("reported at the end of the batch").isEqualTo(3000 + 2 * 96);
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(pauses("memory_budget")).isEqualTo(1.0);
        assertThat(pauses("peer_slow")).isZero();

        ch.peerReads(true);
        ch.runPendingTasks();
        assertThat(budget.queued()).isZero();
        assertThat(ch.config().isAutoRead()).as("reading again once its queue drained").isTrue();
        assertThat(outbound()).hasSize(3000);
    }

    @Test
    void a_connection_that_keeps_up_is_never_paused_by_the_budget() {
        budget.add(8000); // other connections hold nearly everything
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[2000]));
        assertThat(outbound()).hasSize(2000);
        assertThat(ch.config().isAutoRead()).isTrue();
        assertThat(pauses("memory_budget")).isZero();
    }

    @Test
    void what_a_connection_still_holds_is_taken_off_the_budget_when_it_closes() {
        ch.peerReads(false);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[500]));
        assertThat(budget.queued()).isEqualTo(500 + 2 * 96);
        ch.close();
        assertThat(budget.queued()).isZero();
    }

    @Test
    void after_the_peer_half_closes_everything_queued_is_written_then_the_connection_closes() {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{9, 8}));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertThat(outbound()).containsExactly(9, 8);
        assertThat(ch.isOpen()).isFalse();
    }

    private byte[] outbound() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }

    private double pauses(String reason) {
        return registry.find(EchoMetrics.BACKPRESSURE_PAUSES).tag("reason", reason).functionCounter().count();
    }

    private double counter(String name) {
        var c = registry.find(name).functionCounter();
        return c != null ? c.count() : registry.counter(name).count();
    }
}
