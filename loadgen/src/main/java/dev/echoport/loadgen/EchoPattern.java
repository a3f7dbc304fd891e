package dev.echoport.loadgen;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;

import java.util.SplittableRandom;

/**
 * The bytes every connection sends: one seeded pseudo-random sequence with a prime period, each connection starting at
 * its own offset, so that cross-talk between connections or reordered messages show up as mismatches.
 *
 * <p>The sequence is stored twice in a row in one direct buffer, so any {@link #PERIOD} bytes starting anywhere in the
 * period are contiguous: sending is a zero-copy slice, verifying a word-wise compare.
 */
final class EchoPattern implements AutoCloseable {
    /** 2^17 - 1, a (Mersenne) prime: no message size below it realigns the sequence. */
    static final int PERIOD = 131_071;
    /** Prime: connection i starts at i * STRIDE mod PERIOD, distinct for i < PERIOD. */
    private static final int STRIDE = 7_919;

    private final ByteBuf doubled;
    private final ByteBuf unreleasable;

    EchoPattern(long seed) {
        this(seed, false);
    }

    /**
     * @param lineSafe no {@code \n} in the sequence (each becomes 0x0B), so that any slice of it can be the body of
     *                 one line: what prefix mode needs, where a line ends at the first {@code \n}
     */
    EchoPattern(long seed, boolean lineSafe) {
        byte[] period = new byte[PERIOD];
        new SplittableRandom(seed).nextBytes(period);
        if (lineSafe) {
            for (int i = 0; i < period.length; i++) {
                if (period[i] == '\n') {
                    period[i] = 0x0B;
                }
            }
        }
        doubled = Unpooled.directBuffer(2 * PERIOD, 2 * PERIOD);
        doubled.writeBytes(period).writeBytes(period);
        unreleasable = Unpooled.unreleasableBuffer(doubled);
    }

    /** Where connection {@code index}'s stream starts in the period. */
    static int startOffset(long index) {
        return (int) ((index * STRIDE) % PERIOD);
    }

    /** A read-only view of {@code length <= PERIOD} pattern bytes from {@code position}; releasing it is a no-op. */
    ByteBuf slice(int position, int length) {
        return unreleasable.slice(position, length);
    }

    /** Whether {@code length <= PERIOD} bytes of {@code buf} at {@code index} equal the pattern at {@code position}. */
    boolean matches(ByteBuf buf, int index, int position, int length) {
        return ByteBufUtil.equals(buf, index, doubled, position, length);
    }

    static int advance(int position, long bytes) {
        return (int) ((position + bytes) % PERIOD);
    }

    @Override
    public void close() {
        doubled.release();
    }
}
