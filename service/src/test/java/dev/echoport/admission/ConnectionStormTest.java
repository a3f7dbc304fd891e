package dev.echoport.admission;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.Sampler;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many threads connect and close at once around the limit: the count a decision sees never passes the limit, never
 * goes below zero, every attempt is either accepted or rejected, and the count ends at zero.
 */
class ConnectionStormTest {
    static final int LIMIT = 20;
    static final int THREADS = 16;
    static final int CYCLES_PER_THREAD = 60;

    @EveryTransport
    void connect_close_storm_keeps_counts_exact(Transport transport) throws Exception {
        AtomicInteger maxSeen = new AtomicInteger();
        // Asked with the tracker's lock held, after the rules admitted: sees exactly the count the decision changes.
        AdmissionPolicy observer = (peer, local, counts) -> {
            maxSeen.accumulateAndGet(counts.active() + 1, Math::max);
            return Decision.ACCEPT;
        };
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (RunningEchoport rs = RunningEchoport.start(
                TestSettings.of(transport, "admission.max-connections = " + LIMIT), observer);
             Sampler active = new Sampler(() -> rs.server().counts().active())) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<int[]>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                results.add(pool.submit(() -> {
                    go.await();
                    int echoed = 0;
                    int refused = 0;
                    for (int i = 0; i < CYCLES_PER_THREAD; i++) {
                        Socket s;
                        try {
                            s = Clients.connect(rs.address());
                        } catch (java.net.SocketException resetDuringConnect) { // the refusal beat connect() home
                            refused++;
                            continue;
                        }
                        try (s) {
                            s.setSoLinger(true, 0); // close with RST half the time: abrupt closes count too
                            if (i % 2 == 0) {
                                s.setSoLinger(false, 0);
                            }
                            int r = writeReadOrRefused(s);
                            if (r == 1) {
                                echoed++;
                            } else {
                                refused++;
                            }
                        }
                    }
                    return new int[]{echoed, refused};
                }));
            }
            go.countDown();
            int echoed = 0;
            int refused = 0;
            for (Future<int[]> f : results) {
                int[] r = f.get(120, TimeUnit.SECONDS);
                echoed += r[0];
                refused += r[1];
            }
            int attempts = THREADS * CYCLES_PER_THREAD;
            assertThat(echoed + refused).isEqualTo(attempts);
            Await.until("every close was counted: active back to zero", () -> rs.server().counts().active() == 0);
            assertThat(maxSeen.get()).as("admitted count never passed the limit").isLessThanOrEqualTo(LIMIT);
            assertThat(active.samples()).as("samples of the open count taken during the storm").isPositive();
            assertThat(active.min()).as("open count never below zero").isGreaterThanOrEqualTo(0);
            assertThat(active.max()).as("open count never above the limit").isLessThanOrEqualTo(LIMIT);
            double accepted = rs.counter("echoport.connections.accepted");
            double rejected = rs.counter("echoport.connections.rejected", "reason", "max_connections");
            assertThat(accepted + rejected).as("each attempt decided exactly once").isEqualTo(attempts);
            assertThat(accepted).as("clients that got their byte back were admitted").isEqualTo(echoed);
            Await.until("every admitted connection counted as closed", () -> rs.counter(
                    "echoport.connections.closed", "cause", "client")
                    + rs.counter("echoport.connections.closed", "cause", "error") == accepted);
        } finally {
            pool.shutdownNow();
        }
    }

    /** 1 if the byte came back, 0 if the server refused the connection (a reset may surface on write or read). */
    private static int writeReadOrRefused(Socket s) throws Exception {
        try {
            s.getOutputStream().write(1);
            return s.getInputStream().read() == 1 ? 1 : 0;
        } catch (java.net.SocketException e) {
            return 0;
        }
    }
}
