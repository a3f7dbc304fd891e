package dev.echoport.loadgen;

import java.time.Duration;
import java.util.Objects;

/**
 * What one load run does: where to connect, how many connections, what each sends, for how long, and how fast.
 *
 * @param host          server host name or address
 * @param port          server TCP port
 * @param connections   connections opened and driven at once
 * @param messageSize   bytes per message (every message is echoed back and verified in full)
 * @param pipeline      closed loop: messages in flight per connection; open loop: ignored (the schedule decides)
 * @param duration      measured phase length, when {@code totalMessages <= 0}
 * @param totalMessages {@code > 0}: the measured phase stops after this many round trips in total (all connections)
 * @param warmup        traffic before the measured phase; counted in bytes, not in round trips or latency
 * @param connectRate   new connections per second; 0 = as fast as possible
 * @param targetRate    round trips per second in total, open loop (latency from the intended send time);
 *                      0 = closed loop
 * @param transport     the client's own transport: "auto", "nio", "epoll", "io_uring", "oio"
 * @param threads       client event-loop threads; 0 = min(connections, available cores) (oio: one per connection)
 * @param expectPrefix  "" = exact echo; else every message is a line ({@code messageSize - 1} bytes and a \n) and
 *                      its reply must be exactly this followed by the line (echoport's echo.prefix, Istio tcp-echo)
 */
public record LoadOptions(String host, int port, int connections, int messageSize, int pipeline,
        Duration duration, long totalMessages, Duration warmup, int connectRate, int targetRate,
        String transport, int threads, String expectPrefix) {

    /** Options for exact echo (no expected prefix). */
    public LoadOptions(String host, int port, int connections, int messageSize, int pipeline, Duration duration,
                       long totalMessages, Duration warmup, int connectRate, int targetRate, String transport,
                       int threads) {
        this(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup, connectRate, targetRate,
                transport, threads, "");
    }

    /** Largest message accepted: bounded so one message can never exhaust the client's memory. */
    public static final int MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    public LoadOptions {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(expectPrefix, "expectPrefix");
    }

    /** 1 connection, 512 B messages, pipeline 1, 10 s, no warm-up, as fast as possible, closed loop, auto transport. */
    public static LoadOptions defaults(String host, int port) {
        return new LoadOptions(host, port, 1, 512, 1, Duration.ofSeconds(10), 0, Duration.ZERO, 0, 0, "auto", 0);
    }

    /**
     * Checks every value and throws {@link IllegalArgumentException} with one line naming the first bad option
     * (by its command-line name) and why.
     */
    public LoadOptions validate() {
        require(!host.isBlank(), "--host must not be empty");
        require(port >= 1 && port <= 65535, "--port must be 1..65535, was " + port);
        require(connections >= 1, "--connections must be >= 1, was " + connections);
        require(messageSize >= 1 && messageSize <= MAX_MESSAGE_SIZE,
                "--size must be 1.." + MAX_MESSAGE_SIZE + " bytes, was " + messageSize);
        require(pipeline >= 1 && pipeline <= 65536, "--pipeline must be 1..65536, was " + pipeline);
        require(totalMessages > 0 || (!duration.isNegative() && !duration.isZero()),
                "--duration must be > 0 (or give --messages), was " + duration);
        require(totalMessages >= 0, "--messages must be >= 0, was " + totalMessages);
        require(!warmup.isNegative(), "--warmup must be >= 0, was " + warmup);
        require(connectRate >= 0, "--connect-rate must be >= 0, was " + connectRate);
        require(targetRate >= 0, "--rate must be >= 0, was " + targetRate);
        require(threads >= 0, "--threads must be >= 0, was " + threads);
        require(!transport.isBlank(), "--transport must not be empty");
        require(expectPrefix.indexOf('\n') < 0, "--expect-prefix must not contain a line break");
        return this;
    }

    /** Whether the run follows a fixed schedule ({@link #targetRate} > 0) rather than waiting for each echo. */
    public boolean openLoop() {
        return targetRate > 0;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    public LoadOptions withHost(String h) {
        return new LoadOptions(h, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withPort(int p) {
        return new LoadOptions(host, p, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withConnections(int n) {
        return new LoadOptions(host, port, n, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withMessageSize(int n) {
        return new LoadOptions(host, port, connections, n, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withPipeline(int n) {
        return new LoadOptions(host, port, connections, messageSize, n, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withDuration(Duration d) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, d, totalMessages, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withTotalMessages(long n) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, n, warmup,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withWarmup(Duration d) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, d,
                connectRate, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withConnectRate(int r) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                r, targetRate, transport, threads, expectPrefix);
    }

    public LoadOptions withTargetRate(int r) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, r, transport, threads, expectPrefix);
    }

    public LoadOptions withTransport(String t) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, t, threads, expectPrefix);
    }

    public LoadOptions withExpectPrefix(String p) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, threads, p);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(host, port, connections, messageSize, pipeline, duration, totalMessages, warmup,
                connectRate, targetRate, transport, n, expectPrefix);
    }
}
