package dev.echoport.echo;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
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
 * A client that writes 256 MiB and reads nothing cannot make the server hold more than the documented bound for it:
 * the write-buffer high watermark (64 KiB by default) plus one read (at most 64 KiB) plus Netty's 96 bytes of
 * bookkeeping for that write. The server stops reading, the
 * kernel buffers fill, the client's writes block. Once the client reads, every byte comes back.
 */
class BackpressureTest {
    static final long TOTAL = 256L << 20;
    static final long BOUND = 64 * 1024 + 64 * 1024 + 96;

    @EveryTransport
    void a_client_that_does_not_read_cannot_grow_server_memory(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport));
             Socket s = Clients.connect(rs.address())) {
            s.setSoTimeout(60_000);
            AtomicLong written = new AtomicLong();
            AtomicReference<Throwable> writeError = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    for (long off = 0; off < TOTAL; off += chunk.length) {
                        fill(chunk, off);
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                } catch (Throwable t) {
                    writeError.set(t);
                }
            }, "non-reading-writer");
            writer.start();

            long stalledAt = Await.stalled("the non-reading client's writer to stall", Duration.ofSeconds(30),
                    written::get);
            long pending = rs.server().pendingEchoBytes();
            assertThat(stalledAt).as("the writer blocked: the server stopped reading").isLessThan(TOTAL / 4);
            assertThat(pending).as("echo bytes the server holds for the non-reading client (bound %d)", BOUND)
                    .isLessThanOrEqualTo(BOUND);
            assertThat(rs.counter("echoport.backpressure.pauses", "reason", "peer_slow")).isGreaterThanOrEqualTo(1.0);

            // Now read: reading resumes on the server and every byte comes back in order.
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            byte[] expected = new byte[buf.length];
            long read = 0;
            while (read < TOTAL) {
                int n = in.read(buf);
                assertThat(n).as("EOF after %d bytes", read).isPositive();
                for (int i = 0; i < n; i++) {
                    long pos = read + i;
                    if (buf[i] != patternAt(pos)) {
                        throw new AssertionError("echo differs at byte " + pos);
                    }
                }
                read += n;
            }
            writer.join(30_000);
            assertThat(writeError.get()).isNull();
            assertThat(read).isEqualTo(TOTAL);
            Await.until("every echoed byte counted as sent",
                    () -> rs.counter("echoport.bytes.sent") == TOTAL);
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
