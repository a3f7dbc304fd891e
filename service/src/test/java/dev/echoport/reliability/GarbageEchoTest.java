package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.OutputStream;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random bytes in random-sized writes, one 64 MiB write, zero-length writes, thousands of one-byte writes: all
 * echoed.
 */
class GarbageEchoTest {
    static final int HUGE = 64 * 1024 * 1024;
    static final int TINY_WRITES = 5_000;

    @EveryTransport
    void every_shape_of_write_is_echoed_exactly(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        Random random = new Random(seed);
        ExecutorService readers = Executors.newSingleThreadExecutor();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport))) {
            // Random bytes in random-sized writes, with zero-length writes between them.
            byte[] garbage = Clients.randomBytes(4 * 1024 * 1024, seed);
            assertEchoed(rs, readers, garbage, out -> {
                int off = 0;
                while (off < garbage.length) {
                    int n = Math.min(garbage.length - off, random.nextInt(100_000));
                    out.write(garbage, off, n); // n may be 0: a zero-length write
                    out.write(new byte[0]);
                    off += n;
                }
            }, "random writes, seed " + seed);
            // One huge single write.
            byte[] huge = Clients.randomBytes(HUGE, seed + 1);
            assertEchoed(rs, readers, huge, out -> out.write(huge), "one 64 MiB write, seed " + seed);
            // Thousands of one-byte writes (TCP_NODELAY: each leaves as its own segment).
            byte[] tiny = Clients.randomBytes(TINY_WRITES, seed + 2);
            assertEchoed(rs, readers, tiny, out -> {
                for (byte b : tiny) {
                    out.write(b);
                }
            }, TINY_WRITES + " one-byte writes, seed " + seed);
            Await.until("no connection active", () -> rs.server().counts().active() == 0);
        } finally {
            readers.shutdownNow();
        }
    }

    interface Writes {
        void to(OutputStream out) throws Exception;
    }

    /** Writes with {@code writes} while another thread reads the echo; compares digests of what went and came. */
    private static void assertEchoed(RunningEchoport rs, ExecutorService readers, byte[] expected, Writes writes,
                                     String what) throws Exception {
        try (Socket s = Clients.connect(rs.address())) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(30_000);
            Future<byte[]> echo = readers.submit(() -> Clients.readExactly(s.getInputStream(), expected.length));
            writes.to(s.getOutputStream());
            byte[] back = echo.get(60, TimeUnit.SECONDS);
            assertThat(MessageDigest.getInstance("SHA-256").digest(back))
                    .as("echo of %s", what).isEqualTo(MessageDigest.getInstance("SHA-256").digest(expected));
            s.shutdownOutput();
            assertThat(s.getInputStream().read()).as("EOF after the echo of %s", what).isEqualTo(-1);
        }
    }
}
