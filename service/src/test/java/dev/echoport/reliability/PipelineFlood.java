package dev.echoport.reliability;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pipelining client of the admin-port finding: one connection that writes {@code requests} {@code GET /metrics}
 * requests back to back and never reads an answer, then one more every 200 ms (which is also how it notices a
 * close). When the server closes it, it connects again and starts over, for as long as it runs.
 */
final class PipelineFlood implements AutoCloseable {
    private static final byte[] REQUEST = "GET /metrics HTTP/1.1\r\nHost: admin\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final int PER_WRITE = 1_000;

    private final InetSocketAddress target;
    private final int requests;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong requestsWritten = new AtomicLong();
    private volatile SocketChannel current;

    private PipelineFlood(InetSocketAddress target, int requests) {
        this.target = target;
        this.requests = requests;
        this.thread = new Thread(this::run, "pipeline-flood");
        thread.setDaemon(true);
    }

    static PipelineFlood start(InetSocketAddress target, int requests) {
        PipelineFlood f = new PipelineFlood(target, requests);
        f.thread.start();
        return f;
    }

    /** Connections opened so far (1 + the times the server closed it). */
    long connections() {
        return connections.get();
    }

    /** Requests written into the socket so far (the kernel took them; the server may not have read them). */
    long requestsWritten() {
        return requestsWritten.get();
    }

    private void run() {
        ByteBuffer batch = ByteBuffer.allocate(REQUEST.length * PER_WRITE);
        for (int i = 0; i < PER_WRITE; i++) {
            batch.put(REQUEST);
        }
        while (stop.getCount() > 0) {
            try (SocketChannel ch = SocketChannel.open(target)) {
                current = ch;
                connections.incrementAndGet();
                for (int sent = 0; sent < requests; sent += PER_WRITE) { // blocks once nobody reads
                    batch.clear();
                    write(ch, batch, Math.min(PER_WRITE, requests - sent));
                }
                while (!stop.await(200, TimeUnit.MILLISECONDS)) { // the pace of the trickle after the burst
                    write(ch, ByteBuffer.wrap(REQUEST), 1);
                }
            } catch (IOException closedByServerOrByUs) {
                // connect again (unless stopping)
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void write(SocketChannel ch, ByteBuffer b, int count) throws IOException {
        b.limit(b.position() + REQUEST.length * count);
        while (b.hasRemaining()) {
            ch.write(b);
        }
        requestsWritten.addAndGet(count);
    }

    /** Stops, closing the connection (which unblocks a write stuck on a full socket); waits for the thread. */
    @Override
    public void close() throws InterruptedException {
        stop.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.isAlive() && System.nanoTime() - deadline < 0) {
            SocketChannel ch = current; // it may have connected again just before seeing the stop
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // stopping
                }
            }
            thread.join(100);
        }
        if (thread.isAlive()) {
            throw new IllegalStateException("pipeline flood thread did not stop");
        }
    }
}
