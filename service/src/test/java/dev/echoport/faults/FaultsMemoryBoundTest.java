package dev.echoport.faults;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bytes a fault holds back count against the connection's bound: a client that writes as fast as it can and never
 * reads, against latency, bandwidth and slice faults, on every transport, leaves the server holding no more than the
 * documented bound (high watermark + one read + bookkeeping), because held bytes make the channel unwritable and
 * reading pauses. Then the client reads, and every byte comes back in order.
 */
class FaultsMemoryBoundTest {
    /** write-buffer-high-watermark 64 KiB + one read (64 KiB) + Netty's bookkeeping for the last writes. */
    static final long BOUND = 64 * 1024 + 64 * 1024 + 1024;
    /**
     * oio: one read collects what the socket holds into one buffer (seen up to 128 KiB, see docs/reliability.md,
     * oio limits), so its bound is the high watermark + that read.
     */
    static final long OIO_BOUND = 64 * 1024 + 128 * 1024 + 1024;
    static final long LIMIT = 64L << 20; // far more than the kernel buffers hold: the writer must stall

    @EveryTransport
    void latency(Transport transport) throws Exception {
        holdsNoMoreThanTheBound(transport, "faults.latency = 50ms");
    }

    @EveryTransport
    void bandwidth(Transport transport) throws Exception {
        holdsNoMoreThanTheBound(transport, "faults.bandwidth = 16MiB");
    }

    @EveryTransport
    void slice(Transport transport) throws Exception {
        holdsNoMoreThanTheBound(transport, "faults.slice = 16KiB, faults.slice-delay = 1ms");
    }

    private static void holdsNoMoreThanTheBound(Transport transport, String fault) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, fault));
             Socket s = Clients.connect(rs.address())) {
            s.setSoTimeout(60_000);
            AtomicLong written = new AtomicLong();
            AtomicReference<Throwable> writeError = new AtomicReference<>();
            AtomicLong total = new AtomicLong(LIMIT);
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    for (long off = 0; off < total.get(); off += chunk.length) {
                        fill(chunk, off);
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    s.shutdownOutput();
                } catch (Throwable t) {
                    writeError.set(t);
                }
            }, "non-reading-writer");
            writer.start();

            long stalledAt = Await.stalled("the server to stop reading and the writer to stall",
                    Duration.ofSeconds(60), written::get, () -> (long) rs.counter("echoport.bytes.received"));
            long pending = rs.server().pendingEchoBytes();
            long bound = transport.isThreadPerConnection() ? OIO_BOUND : BOUND;
            System.out.printf("FIGURE faults bound %s, %s: writer stalled after %,d B; server holds %,d B"
                    + " (bound %,d)%n", transport.configName(), fault, stalledAt, pending, bound);
            assertThat(stalledAt).as("the writer blocked: the server stopped reading").isLessThan(LIMIT / 2);
            assertThat(pending).as("echo bytes held and queued for the non-reading client").isLessThanOrEqualTo(bound);
            if (!transport.isThreadPerConnection()) { // oio: the connection's thread blocks in its write instead
                assertThat(rs.counter("echoport.backpressure.pauses")).as("reading paused").isPositive();
            }

            total.set(stalledAt + 64 * 1024); // stop soon after it unblocks: what is sent is what comes back
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != patternAt(read + i)) {
                        throw new AssertionError("echo differs at byte " + (read + i));
                    }
                }
                read += n;
            }
            writer.join(30_000);
            assertThat(writeError.get()).isNull();
            assertThat(read).as("every byte written came back before EOF").isEqualTo(written.get());
            Await.until("nothing held once the connection closed", () -> rs.server().pendingEchoBytes() == 0);
        }
    }

    private static void fill(byte[] chunk, long offset) {
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = patternAt(offset + i);
        }
    }

    private static byte patternAt(long pos) {
        return (byte) (pos * 31 + (pos >>> 11));
    }
}
