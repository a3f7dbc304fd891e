package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client that writes hundreds of MiB and never reads, and one that reads one byte a second: the bytes the server
 * queues for them stay under the per-connection bound, and another client keeps its latency.
 */
class SlowClientsTest {
    private static final Logger log = LoggerFactory.getLogger(SlowClientsTest.class);
    /** Per connection: write-buffer high watermark (64 KiB) + one read (at most 64 KiB) + 96 B of marker overhead. */
    static final long BOUND_PER_CONNECTION = 64 * 1024 + 64 * 1024 + 96;
    static final long ATTEMPTED_BYTES = 256L * 1024 * 1024;
    static final long PING_P99_BOUND_MICROS = 50_000;

    @EveryTransport
    void non_reading_and_trickle_reading_clients_cannot_grow_server_memory(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport));
             Socket nonReader = Clients.connect(rs.address());
             Socket trickle = Clients.connect(rs.address());
             Socket ping = Clients.connect(rs.address())) {
            long[] unloaded = pings(ping, 300, seed);
            AtomicLong written = new AtomicLong();
            AtomicLong trickleWritten = new AtomicLong();
            AtomicLong trickleRead = new AtomicLong();
            Future<?> flood = pool.submit(() -> writeUntilBlockedOrDone(nonReader, ATTEMPTED_BYTES, written));
            Future<?> trickleFlood = pool.submit(() -> writeUntilBlockedOrDone(trickle, ATTEMPTED_BYTES,
                    trickleWritten));
            Future<?> trickleReader = pool.submit(() -> {
                InputStream in = trickle.getInputStream();
                for (int i = 0; i < 4; i++) { // one byte a second
                    if (in.read() < 0) {
                        break;
                    }
                    trickleRead.incrementAndGet();
                    Thread.sleep(1_000); // the abusive client's pace, not a synchronisation
                }
                return null;
            });
            // Writers stop moving once the server stopped reading them (backpressure); wait for that.
            Await.stalled("the non-reader to stall, " + transport, Await.DEFAULT, written::get);
            Await.stalled("the trickle writer to stall, " + transport, Await.DEFAULT, trickleWritten::get);
            long pending = rs.server().pendingEchoBytes();
            long maxPending = pending;
            long[] loaded = pings(ping, 300, seed + 1);
            maxPending = Math.max(maxPending, rs.server().pendingEchoBytes());
            trickleReader.get(10, TimeUnit.SECONDS);
            maxPending = Math.max(maxPending, rs.server().pendingEchoBytes());
            long bound = 3 * BOUND_PER_CONNECTION;
            long p99Unloaded = Reliability.percentileMicros(unloaded, 99);
            long p99Loaded = Reliability.percentileMicros(loaded, 99);
            log.info("FIGURE slow-clients {}: non-reader wrote {} KiB before stalling, trickle writer {} KiB, trickle "
                            + "read {} B; server pending echo bytes max {} (bound {} for 3 connections); ping p99 "
                            + "unloaded {} us, beside slow clients {} us", transport, written.get() / 1024,
                    trickleWritten.get() / 1024, trickleRead.get(), maxPending, bound, p99Unloaded, p99Loaded);
            assertThat(written.get()).as("the non-reader was stopped well short of %d bytes", ATTEMPTED_BYTES)
                    .isLessThan(ATTEMPTED_BYTES);
            assertThat(maxPending).as("bytes the server queued for slow peers, %s", transport)
                    .isLessThanOrEqualTo(bound);
            assertThat(rs.counter("echoport.backpressure.pauses", "reason", "peer_slow")).as("backpressure pauses")
                    .isGreaterThan(0);
            assertThat(p99Loaded).as("ping p99 (us) beside slow clients, %s seed %d", transport, seed)
                    .isLessThan(Math.max(PING_P99_BOUND_MICROS, 2 * p99Unloaded));
            nonReader.setSoLinger(true, 0);
            trickle.setSoLinger(true, 0);
            nonReader.close();
            trickle.close();
            flood.get(10, TimeUnit.SECONDS);
            trickleFlood.get(10, TimeUnit.SECONDS);
            Await.until("exactly one connection active", () -> rs.server().counts().active() == 1);
            Await.until("no echo bytes pending", () -> rs.server().pendingEchoBytes() == 0);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long[] pings(Socket s, int n, long seed) throws IOException {
        long[] rtt = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] p = Clients.randomBytes(64, seed * 31 + i);
            long t = System.nanoTime();
            byte[] back = Clients.roundTrip(s, p);
            rtt[i] = System.nanoTime() - t;
            assertThat(back).as("ping %d, seed %d", i, seed).isEqualTo(p);
        }
        return rtt;
    }

    /** Writes until {@code total} bytes went out or the socket is closed under it (the test's end). */
    private static Void writeUntilBlockedOrDone(Socket s, long total, AtomicLong written) {
        byte[] chunk = new byte[64 * 1024];
        try {
            OutputStream out = s.getOutputStream();
            while (written.get() < total) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
        } catch (IOException closedByTheTest) {
            // expected: the test resets the socket while this write blocks
        }
        return null;
    }
}
