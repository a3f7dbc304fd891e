package dev.echoport.admin;

import dev.echoport.config.Settings;
import dev.echoport.metrics.AdminMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin connection pipeline on {@link EmbeddedChannel}s, sharing one connection table whose clock the test
 * moves: handler logic without sockets or real time.
 */
final class EmbeddedAdmin implements AutoCloseable {
    private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

    final AtomicLong clock = new AtomicLong();
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final AdminMetrics metrics = new AdminMetrics(registry);
    final AdminConnections table;
    /** Renders run here, on the test thread, when {@link #renderAndAnswer} runs them: no other thread is involved. */
    private final EmbeddedChannel renderLoop = new EmbeddedChannel();
    final MetricsRenderer renderer = new MetricsRenderer(registry, Duration.ZERO, System::nanoTime,
            renderLoop.eventLoop());
    private final AdminHandler router = new AdminHandler(renderer, () -> true, () -> "running");
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    EmbeddedAdmin(int maxConnections, Duration requestTimeout, Duration idleTimeout) {
        table = new AdminConnections(new Settings.Admin(true, "127.0.0.1", 0)
                .withLimits(maxConnections, requestTimeout, idleTimeout), clock::get);
    }

    /** A new connection, opened (and admitted) at the clock's current time. */
    EmbeddedChannel connect() {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.config().setAutoRead(false);
        AdminServer.addHandlers(ch.pipeline(), new AdminExchange(table, metrics), router);
        try {
            ch.register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        channels.add(ch);
        return ch;
    }

    void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    static void send(EmbeddedChannel ch, String bytes) {
        ch.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Everything written to {@code ch} since the last call, as text (the buffers are released). */
    static String written(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    /** The status codes of the answers written to {@code ch} since the last call, in order. */
    static List<Integer> answers(EmbeddedChannel ch) {
        List<Integer> codes = new ArrayList<>();
        Matcher m = STATUS.matcher(written(ch));
        while (m.find()) {
            codes.add(Integer.parseInt(m.group(1)));
        }
        return codes;
    }

    /** Runs the pending renders, then what they handed to {@code ch}'s loop: the scrape's answer is written. */
    void renderAndAnswer(EmbeddedChannel ch) {
        renderLoop.runPendingTasks();
        ch.runPendingTasks();
    }

    @Override
    public void close() {
        for (EmbeddedChannel ch : channels) {
            ch.finishAndReleaseAll();
        }
        renderer.close();
        renderLoop.finishAndReleaseAll();
        registry.close();
    }
}
