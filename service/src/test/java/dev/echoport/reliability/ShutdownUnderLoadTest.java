package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGTERM while 200 connections stream (the service as a child process): readiness turns 503 while connections
 * still echo, no completed round trip is lost or corrupted, half the clients leave on their own, the other half is
 * closed at the end of the grace period, and the process exits 0 within it.
 */
class ShutdownUnderLoadTest {
    private static final Logger log = LoggerFactory.getLogger(ShutdownUnderLoadTest.class);
    static final int STREAMS = 200;
    static final Duration GRACE = Duration.ofSeconds(3);
    /** JVM exit after the drain. */
    /** Closing 200 connections, the loops and the JVM after the grace period: 1.2 s measured beside a CPU hog. */
    static final Duration EXIT_SLACK = Duration.ofSeconds(3);
    /**
     * OIO threads notice a close only when their blocking accept/read wakes (SO_TIMEOUT, 1 s): closing the listener and
     * force-closing each take up to 1 s more (documented in docs/reliability.md).
     */
    static final Duration OIO_EXTRA = Duration.ofSeconds(2);

    @EveryTransport
    void sigterm_under_load_flips_readiness_first_and_exits_0_within_the_grace_period(Transport transport)
            throws Exception {
        long seed = Reliability.SEED;
        ExecutorService pool = Executors.newFixedThreadPool(STREAMS);
        AtomicBoolean notReady = new AtomicBoolean();
        AtomicLong completed = new AtomicLong();
        AtomicLong completedAfterNotReady = new AtomicLong();
        List<String> corrupted = java.util.Collections.synchronizedList(new ArrayList<>());
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_TRANSPORT", transport.configName(),
                "ECHOPORT_SHUTDOWN_GRACE_PERIOD", GRACE.toMillis() + "ms", "ECHOPORT_MAX_CONNECTIONS", "1000"))) {
            List<Socket> sockets = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                sockets.add(Clients.connect(p.echoAddress()));
            }
            List<Future<Long>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Socket s = sockets.get(i);
                boolean leavesWhenNotReady = i % 2 == 0; // the polite half: finish the round trip, then close
                long streamSeed = seed + i;
                streams.add(pool.submit(() -> {
                    long n = 0;
                    try (s) {
                        while (!(leavesWhenNotReady && notReady.get())) {
                            byte[] msg = Clients.randomBytes(1024, streamSeed * 7919 + n);
                            boolean after = notReady.get();
                            byte[] back;
                            try {
                                back = Clients.roundTrip(s, msg);
                            } catch (IOException closedByTheServer) {
                                return n; // an unfinished round trip: not completed, not counted
                            }
                            if (!Arrays.equals(back, msg)) {
                                corrupted.add("stream " + streamSeed + " round trip " + n);
                                return n;
                            }
                            n++;
                            completed.incrementAndGet();
                            if (after) {
                                completedAfterNotReady.incrementAndGet();
                            }
                        }
                    }
                    return n;
                }));
            }
            Await.until("streaming", () -> completed.get() > STREAMS * 20L, Duration.ofMillis(20_000));
            // Polled: with oio, 200 busy connection threads plus 200 client threads share two cores with the admin.
            Await.until(String.format("ready before SIGTERM, %s", transport),
                    () -> AdminProbe.status(p.adminPort(), "/health/ready") == 200, Duration.ofMillis(20_000));

            long t0 = System.nanoTime();
            p.signal("TERM"); // not Process.destroy(): that also closes our end of the child's stdout
            Await.until(String.format("readiness 503 after SIGTERM, %s", transport),
                    () -> AdminProbe.status(p.adminPort(), "/health/ready") == 503);
            long readyFlipMillis = (System.nanoTime() - t0) / 1_000_000;
            notReady.set(true);
            int exit = p.awaitExit(GRACE.plus(EXIT_SLACK).plusSeconds(5));
            long exitMillis = (System.nanoTime() - t0) / 1_000_000;
            long total = 0;
            for (Future<Long> f : streams) {
                total += f.get(10, TimeUnit.SECONDS);
            }
            String drained = p.stdout().stream().filter(l -> l.contains("drained in")).findFirst().orElse("(none)");
            log.info("FIGURE shutdown {}: {} streams, {} round trips completed ({} after readiness turned 503); "
                            + "readiness 503 after {} ms, exit {} after {} ms (grace {} ms); server: {}", transport,
                    STREAMS, total, completedAfterNotReady.get(), readyFlipMillis, exit, exitMillis,
                    GRACE.toMillis(), drained);
            String ctx = transport + " seed " + seed;
            assertThat(corrupted).as("corrupted round trips, " + ctx).isEmpty();
            assertThat(exit).as("exit status, " + ctx).isZero();
            assertThat(exitMillis).as("ms from SIGTERM to exit, " + ctx).isLessThan(GRACE.plus(EXIT_SLACK)
                    .plus(transport.isThreadPerConnection() ? OIO_EXTRA : Duration.ZERO).toMillis());
            assertThat(completedAfterNotReady.get()).as("round trips completed after readiness turned 503 "
                    + "(readiness flips before connections close), " + ctx).isPositive();
            assertThat(drained).as("drain summary, " + ctx).contains("closed at its end");
        } finally {
            pool.shutdownNow();
        }
    }
}
