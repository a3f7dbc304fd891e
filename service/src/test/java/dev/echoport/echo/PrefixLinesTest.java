package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.overload.DirectMemory;
import dev.echoport.overload.EchoMemoryBudget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The line protocol of prefix mode on an {@link EmbeddedChannel}: {@code <prefix> <line>} for every line, however the
 * lines are split into reads; the last line without {@code \n} answered at half-close; a too-long line ends the
 * connection with its own cause after the lines before it were answered.
 */
class PrefixLinesTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private EmbeddedChannel channel(int maxLineLength) {
        EchoMetrics metrics = new EchoMetrics(registry);
        EmbeddedChannel ch = new EmbeddedChannel(new ConnectionLifecycleHandler(metrics),
                new LineEchoHandler(metrics, metrics.port(7007), false, "v1", maxLineLength, new LineTooLongLog(),
                        new EchoMemoryBudget(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, 65536,
                        DirectMemory.unlimited())));
        ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    private static String replies(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void pipelined_lines_in_one_read_are_each_answered_with_the_prefix() {
        EmbeddedChannel ch = channel(64);
        ch.writeInbound(ascii("hello\n\nworld\r\n"));
        assertThat(replies(ch)).isEqualTo("v1 hello\nv1 \nv1 world\r\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void a_line_split_over_reads_streams_with_one_prefix() {
        EmbeddedChannel ch = channel(64);
        ch.writeInbound(ascii("hel"));
        assertThat(replies(ch)).as("the prefix goes out with the line's first bytes").isEqualTo("v1 hel");
        ch.writeInbound(ascii("lo\nwor"));
        assertThat(replies(ch)).isEqualTo("lo\nv1 wor");
        ch.writeInbound(ascii("ld\n"));
        assertThat(replies(ch)).isEqualTo("ld\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void the_last_line_without_newline_is_answered_and_then_the_connection_closes_at_half_close() {
        EmbeddedChannel ch = channel(64);
        ch.writeInbound(ascii("one\nlast"));
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        ch.runPendingTasks();
        assertThat(replies(ch)).isEqualTo("v1 one\nv1 last");
        assertThat(ch.isOpen()).isFalse();
        assertThat(closed("client")).isEqualTo(1.0);
    }

    @Test
    void a_line_of_exactly_the_maximum_is_answered_and_one_byte_more_ends_the_connection() {
        EmbeddedChannel ch = channel(8);
        ch.writeInbound(ascii("12345678\nabc\n123"));
        assertThat(ch.isOpen()).isTrue();
        ch.writeInbound(ascii("456789 and more\nnever answered\n"));
        ch.runPendingTasks();
        assertThat(replies(ch)).as("whole lines before, then the allowed 8 bytes of the long one")
                .isEqualTo("v1 12345678\nv1 abc\nv1 12345678");
        assertThat(ch.isOpen()).isFalse();
        assertThat(closed("line_too_long")).isEqualTo(1.0);
        assertThat(closed("client")).isZero();
    }

    @Test
    void a_reply_is_written_in_chunks_no_larger_than_one_read() {
        EmbeddedChannel ch = channel(64);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[20_000]).writerIndex(0)
                .writeBytes("\n".repeat(20_000).getBytes(StandardCharsets.US_ASCII)));
        long total = 0;
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            int size = b.readableBytes();
            String chunk = b.toString(StandardCharsets.US_ASCII);
            b.release();
            if (size == 0) {
                continue; // the marker write that tells when a batch reached the socket
            }
            assertThat(size).isLessThanOrEqualTo(LineEchoHandler.CHUNK);
            assertThat(chunk).as("whole replies in every chunk").matches("(v1 \n)+");
            total += size;
        }
        assertThat(total).as("20,000 empty lines, each answered as \"v1 \\n\"").isEqualTo(80_000);
        assertThat(ch.finish()).isFalse();
    }

    private double closed(String cause) {
        var c = registry.find(EchoMetrics.CONNECTIONS_CLOSED).tag("cause", cause).counter();
        return c == null ? Double.NaN : c.count();
    }
}
