package dev.echoport.echo;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.overload.DirectMemory;
import dev.echoport.overload.EchoMemoryBudget;
import dev.echoport.testsupport.EmbeddedConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The idle timeout on an embedded connection with a fake clock: traffic either way keeps it, silence closes it. */
class IdleTimeoutHandlerTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EmbeddedConnection ch = new EmbeddedConnection("10.0.0.1");

    IdleTimeoutHandlerTest() {
        ch.freezeTime();
        EchoMetrics metrics = new EchoMetrics(registry);
        ch.pipeline().addLast(new ConnectionLifecycleHandler(metrics),
                new IdleTimeoutHandler(Duration.ofMillis(500)), new EchoHandler(metrics, metrics.port(7007), false,
                new EchoMemoryBudget(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2, 65536,
                        DirectMemory.unlimited())));
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    @Test
    void a_silent_connection_is_closed_after_the_timeout_with_cause_idle() {
        advance(400);
        assertThat(ch.isOpen()).as("not before the timeout").isTrue();
        advance(200);
        assertThat(ch.isOpen()).isFalse();
        assertThat(registry.counter(EchoMetrics.CONNECTIONS_CLOSED, "cause", "idle").count()).isEqualTo(1.0);
    }

    @Test
    void traffic_restarts_the_timeout() {
        advance(400);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[]{1}));
        ch.releaseOutbound();
        advance(400);
        assertThat(ch.isOpen()).as("400 ms after the last byte").isTrue();
        advance(200);
        assertThat(ch.isOpen()).isFalse();
    }

    private void advance(long millis) {
        ch.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }
}
