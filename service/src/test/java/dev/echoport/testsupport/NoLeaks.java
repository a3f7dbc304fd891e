package dev.echoport.testsupport;

import ch.qos.logback.classic.Level;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.ref.WeakReference;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fails a test class if Netty's leak detector (PARANOID in tests) reported a ByteBuf that was never released. Leaks are
 * reported only after the buffer is garbage-collected and another buffer is tracked, so this forces both.
 */
public final class NoLeaks implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        for (int round = 0; round < 3; round++) {
            collectGarbage();
            for (int i = 0; i < 16; i++) { // each tracked allocation drains the detector's queue of collected leaks
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(8);
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(8);
                a.release();
                b.release();
            }
        }
        List<String> leaks = CapturingAppender.messages("io.netty.util.ResourceLeakDetector", Level.ERROR);
        assertThat(leaks).as("ByteBuf leaks reported by Netty's leak detector in " + context.getDisplayName())
                .isEmpty();
    }

    private static void collectGarbage() {
        WeakReference<Object> sentinel = new WeakReference<>(new Object());
        for (int i = 0; i < 50 && sentinel.get() != null; i++) {
            System.gc();
        }
    }
}
