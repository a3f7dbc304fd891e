package dev.echoport.faults;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault handlers' schedules on an {@link EmbeddedChannel} with frozen time: when each byte may leave, that order
 * and content are kept, that held bytes count as queued echo (writability, pending bytes) to the byte, and that
 * nothing held leaks when the connection closes.
 */
class FaultSchedulesTest {
    private static final int WRITE_OVERHEAD = 64; // what PendingWriteQueue counts per held write

    private static EmbeddedChannel channel(ChannelHandler handler) {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1024, 2048));
        ch.freezeTime();
        ch.pipeline().addLast(handler);
        return ch;
    }

    private static ByteBuf bytes(int n, int seed) {
        ByteBuf b = Unpooled.buffer(n);
        for (int i = 0; i < n; i++) {
            b.writeByte(seed + i);
        }
        return b;
    }

    private static long pending(EmbeddedChannel ch) {
        return ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    }

    /** Reads everything that left so far, releasing it, and returns the bytes. */
    private static byte[] drain(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }

    private static void advance(EmbeddedChannel ch, long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ch.runPendingTasks();
    }

    @Test
    void held_latency_writes_count_as_queued_echo_and_make_the_channel_unwritable() {
        EmbeddedChannel ch = channel(new LatencyFaultHandler(Duration.ofMillis(100), Duration.ZERO, false));
        ch.writeAndFlush(bytes(1000, 0));
        assertThat(pending(ch)).isEqualTo(1000 + WRITE_OVERHEAD);
        assertThat(ch.isWritable()).isTrue();
        ch.writeAndFlush(bytes(1500, 7));
        assertThat(pending(ch)).as("held bytes past the 2048 B high watermark").isEqualTo(2500 + 2 * WRITE_OVERHEAD);
        assertThat(ch.isWritable()).isFalse();
        assertThat(drain(ch)).isEmpty();

        advance(ch, 99);
        assertThat(drain(ch)).as("nothing leaves before 100 ms").isEmpty();
        advance(ch, 1);
        byte[] out = drain(ch);
        assertThat(out).hasSize(2500);
        assertThat(out[0]).isEqualTo((byte) 0);
        assertThat(out[1000]).isEqualTo((byte) 7);
        assertThat(pending(ch)).isZero();
        assertThat(ch.isWritable()).isTrue();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void jitter_draws_each_delay_within_latency_plus_or_minus_jitter() {
        EmbeddedChannel ch = channel(new LatencyFaultHandler(Duration.ofMillis(100), Duration.ofMillis(50), false));
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 200; i++) { // 200 ms apart: no write waits for the one before, each shows its own draw
            ch.writeAndFlush(Unpooled.copyInt(i));
            for (int ms = 1; ms <= 200; ms++) {
                advance(ch, 1);
                ByteBuf b = ch.readOutbound();
                if (b != null) {
                    assertThat(b.readInt()).isEqualTo(i);
                    b.release();
                    delays.add((long) ms);
                }
            }
        }
        assertThat(delays).hasSize(200).allSatisfy(d -> assertThat(d).as("100 ms ± 50 ms, rounded up to the"
                + " millisecond it left in").isBetween(50L, 151L));
        // Each side has probability 0.39 per draw: all 200 draws missing one side would happen once in 10^43 runs.
        assertThat(delays).as("the jitter draws both shorter and longer delays")
                .anySatisfy(d -> assertThat(d).isLessThan(90L)).anySatisfy(d -> assertThat(d).isGreaterThan(110L));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void jitter_never_lets_a_write_overtake_the_one_before() {
        EmbeddedChannel ch = channel(new LatencyFaultHandler(Duration.ofMillis(100), Duration.ofMillis(50), false));
        int messages = 200;
        List<Integer> order = new ArrayList<>();
        List<Long> delays = new ArrayList<>();
        for (int now = 0; order.size() < messages && now < 2000; now++) {
            if (now < messages) {
                ch.writeAndFlush(Unpooled.copyInt(now)); // one a millisecond: draws overlap
            }
            advance(ch, 1);
            for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
                int i = b.readInt();
                b.release();
                order.add(i);
                delays.add((long) now + 1 - i);
            }
        }
        assertThat(order).as("every message, in the order written").hasSize(messages)
                .isSortedAccordingTo(Integer::compare);
        assertThat(delays).as("never before its own draw's earliest (50 ms), never after the latest (150 ms)")
                .allSatisfy(d -> assertThat(d).isBetween(50L, 151L));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void slicing_releases_one_chunk_per_delay_and_counts_the_rest_exactly() {
        EmbeddedChannel ch = channel(new SliceFaultHandler(100, Duration.ofMillis(10), false));
        ByteBuf in = bytes(1000, 3);
        byte[] expected = new byte[1000];
        in.getBytes(0, expected);
        ch.writeAndFlush(in);
        ByteBuf first = ch.readOutbound();
        assertThat(first.readableBytes()).as("the first chunk leaves at once").isEqualTo(100);
        ByteBuf all = Unpooled.buffer().writeBytes(first);
        first.release();
        assertThat(pending(ch)).as("the rest of the write, counted at its new size").isEqualTo(900 + WRITE_OVERHEAD);
        for (int chunk = 1; chunk < 10; chunk++) {
            advance(ch, 9);
            assertThat((Object) ch.readOutbound()).as("no chunk before the delay").isNull();
            advance(ch, 1);
            ByteBuf b = ch.readOutbound();
            assertThat(b.readableBytes()).isEqualTo(100);
            all.writeBytes(b);
            b.release();
            assertThat(pending(ch)).isEqualTo(chunk == 9 ? 0 : 900 - 100L * chunk + WRITE_OVERHEAD);
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out).release();
        assertThat(out).isEqualTo(expected);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void bandwidth_never_lets_more_out_than_the_rate_allows_and_keeps_up_with_it() {
        EmbeddedChannel ch = channel(new BandwidthFaultHandler(1000, false)); // 1000 B/s: 10 B per 10 ms tick
        ch.writeAndFlush(bytes(1500, 0));
        long out = drain(ch).length;
        assertThat(out).as("one tick's worth at once").isEqualTo(10);
        for (int ms = 10; ms <= 1500; ms += 10) {
            advance(ch, 10);
            out += drain(ch).length;
            // at most the rate plus one tick's worth; at least the rate minus one tick (timer rounding)
            assertThat(out).as("bytes out after %d ms", ms).isLessThanOrEqualTo(10 + ms)
                    .isGreaterThanOrEqualTo(ms - 10);
        }
        assertThat(out).isEqualTo(1500);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void close_after_bytes_passes_exactly_that_many_then_closes_and_drops_the_rest() {
        AtomicInteger ended = new AtomicInteger();
        EmbeddedChannel ch = channel(new EndAfterBytesFaultHandler(1000, false, f -> ended.incrementAndGet(), n -> {
        }));
        ch.writeAndFlush(bytes(600, 0));
        ch.writeAndFlush(bytes(600, 100));
        assertThat(drain(ch)).hasSize(1000);
        assertThat(ended).hasValue(1);
        assertThat(ch.isOpen()).as("closed after the 1000th byte").isFalse();
        ch.writeAndFlush(Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII)); // released, not leaked
        assertThat(drain(ch)).isEmpty();
    }

    @Test
    void a_closed_connection_releases_everything_held() {
        EmbeddedChannel ch = channel(new LatencyFaultHandler(Duration.ofSeconds(10), Duration.ZERO, false));
        List<ByteBuf> written = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ByteBuf b = bytes(100, i);
            written.add(b);
            ch.writeAndFlush(b);
        }
        ch.close();
        assertThat(written).allSatisfy(b -> assertThat(b.refCnt()).isZero());
        assertThat(drain(ch)).isEmpty();
    }
}
