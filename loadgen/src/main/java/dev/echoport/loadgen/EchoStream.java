package dev.echoport.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

import java.nio.charset.StandardCharsets;

/**
 * One connection's two byte streams: what it sends (its own run of the pattern) and what must come back, checked
 * byte for byte as it arrives. Exact echo: each reply is the message. Prefix mode ({@code --expect-prefix}): each
 * message is a line, {@code size - 1} pattern bytes (with no {@code \n} in them) and a {@code \n}, and each reply is
 * the expected prefix followed by that line, as echoport's echo.prefix (Istio tcp-echo's protocol) answers it.
 *
 * <p>One thread only: the connection's event loop.
 */
final class EchoStream {
    private static final ByteBuf NEWLINE =
            Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(new byte[]{'\n'}).asReadOnly());

    private final EchoPattern pattern;
    private final byte[] prefix;
    private final boolean lines;
    /** Pattern bytes per message: the whole message, or the line without its {@code \n}. */
    private final int body;
    private final int replySize;
    private int txPos;
    private int rxPos;
    private int rxInReply;
    private boolean corrupt;

    /**
     * @param prefix what comes before each reply line ("" = exact echo); the pattern must then be line-safe
     * @param index  the connection's number: where its run of the pattern starts
     */
    EchoStream(EchoPattern pattern, int size, String prefix, long index) {
        this.pattern = pattern;
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.lines = !prefix.isEmpty();
        this.body = lines ? size - 1 : size;
        this.replySize = this.prefix.length + size;
        this.txPos = EchoPattern.startOffset(index);
        this.rxPos = txPos;
    }

    /** Writes one message (not flushed). */
    void writeMessage(ChannelHandlerContext ctx) {
        int remaining = body;
        while (remaining > 0) {
            int n = Math.min(remaining, EchoPattern.PERIOD);
            ctx.write(pattern.slice(txPos, n), ctx.voidPromise());
            txPos = EchoPattern.advance(txPos, n);
            remaining -= n;
        }
        if (lines) {
            ctx.write(NEWLINE.duplicate(), ctx.voidPromise());
        }
    }

    /**
     * Checks the bytes of {@code buf} that belong to the current reply, at most up to its end, and skips them.
     *
     * @return how many bytes were checked; {@link #replyComplete()} tells whether they completed the reply
     */
    int check(ByteBuf buf) {
        int at = buf.readerIndex();
        int n;
        if (rxInReply < prefix.length) {
            n = Math.min(buf.readableBytes(), prefix.length - rxInReply);
            for (int i = 0; i < n; i++) {
                corrupt |= buf.getByte(at + i) != prefix[rxInReply + i];
            }
        } else if (rxInReply < prefix.length + body) {
            n = Math.min(Math.min(buf.readableBytes(), prefix.length + body - rxInReply), EchoPattern.PERIOD);
            corrupt |= !pattern.matches(buf, at, rxPos, n);
            rxPos = EchoPattern.advance(rxPos, n);
        } else {
            n = 1; // the line's \n
            corrupt |= buf.getByte(at) != '\n';
        }
        buf.skipBytes(n);
        rxInReply += n;
        return n;
    }

    /** The last {@link #check} ended a reply; the next one starts. */
    boolean replyComplete() {
        if (rxInReply < replySize) {
            return false;
        }
        rxInReply = 0;
        return true;
    }

    /** Whether the reply just completed differed anywhere from what was expected (and clears it). */
    boolean takeCorrupt() {
        boolean c = corrupt;
        corrupt = false;
        return c;
    }

    /** Reply bytes per message: the message itself, plus the prefix in prefix mode. */
    int replySize() {
        return replySize;
    }
}
