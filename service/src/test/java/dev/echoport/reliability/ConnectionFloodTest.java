package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.Decision;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 20x max-connections attempts at once: never more admitted than the limit, every admitted connection echoes, every
 * refused one learns so quickly (reset or EOF, no hang), and the count returns to zero.
 */
class ConnectionFloodTest {
    private static final Logger log = LoggerFactory.getLogger(ConnectionFloodTest.class);
    static final int LIMIT = 25;
    static final int ATTEMPTS = 20 * LIMIT;
    static final int THREADS = 100;
    static final long REFUSAL_BOUND_MILLIS = 2_000;

    @EveryTransport
    void a_flood_admits_at_most_the_limit_and_refuses_the_rest_quickly(Transport transport) throws Exception {
        AtomicInteger maxActiveSeen = new AtomicInteger();
        AdmissionPolicy observer = (peer, local, counts) -> { // runs under the tracker's lock, after the rules said yes
            maxActiveSeen.accumulateAndGet(counts.active() + 1, Math::max);
            return Decision.ACCEPT;
        };
        long seed = Reliability.SEED;
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        ConcurrentLinkedQueue<Socket> admitted = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> refusalNanos = new ConcurrentLinkedQueue<>();
        List<String> wrongEchoes = java.util.Collections.synchronizedList(new ArrayList<>());
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission.max-connections = " + LIMIT), observer)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < ATTEMPTS; i++) {
                int n = i;
                tasks.add(pool.submit(() -> {
                    go.await();
                    byte[] payload = Clients.randomBytes(32, seed + n);
                    long start = System.nanoTime();
                    Socket s;
                    try {
                        s = Clients.connect(rs.address());
                    } catch (IOException refusedDuringConnect) {
                        refusalNanos.add(System.nanoTime() - start);
                        return null;
                    }
                    try {
                        s.setSoTimeout((int) REFUSAL_BOUND_MILLIS * 2);
                        byte[] back = Clients.roundTrip(s, payload);
                        if (!Arrays.equals(back, payload)) {
                            wrongEchoes.add("attempt " + n);
                        }
                        admitted.add(s); // held open until the flood is over, so the limit stays reached
                    } catch (java.net.SocketTimeoutException hang) {
                        wrongEchoes.add("attempt " + n + " neither echoed nor refused within "
                                + REFUSAL_BOUND_MILLIS * 2 + " ms");
                        s.close();
                    } catch (IOException refused) { // reset or EOF: the refusal
                        refusalNanos.add(System.nanoTime() - start);
                        s.close();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : tasks) {
                f.get(60, TimeUnit.SECONDS);
            }
            long[] refusals = refusalNanos.stream().mapToLong(Long::longValue).toArray();
            String ctx = transport + " seed " + seed;
            assertThat(wrongEchoes).as("admitted connections that did not echo exactly, " + ctx).isEmpty();
            assertThat(maxActiveSeen.get()).as("most connections ever admitted at once, " + ctx)
                    .isLessThanOrEqualTo(LIMIT);
            assertThat(admitted.size()).as("admitted (echoing) connections, " + ctx).isEqualTo(LIMIT);
            assertThat(admitted.size() + refusals.length).as("every attempt admitted or refused, " + ctx)
                    .isEqualTo(ATTEMPTS);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "max_connections"))
                    .as("max_connections rejections, " + ctx).isEqualTo(ATTEMPTS - LIMIT);
            long p50 = Reliability.percentileMicros(refusals, 50);
            long p99 = Reliability.percentileMicros(refusals, 99);
            long max = Reliability.percentileMicros(refusals, 100);
            log.info("FIGURE flood {}: {} attempts, limit {}: admitted {}, refused {}; time to refuse p50 {} us, "
                    + "p99 {} us, max {} us", transport, ATTEMPTS, LIMIT, admitted.size(), refusals.length, p50, p99,
                    max);
            assertThat(max).as("slowest refusal (us), " + ctx).isLessThan(REFUSAL_BOUND_MILLIS * 1000);

            for (Socket s : admitted) {
                s.close();
            }
            admitted.clear();
            Await.until("active count back to zero, " + ctx, () -> rs.server().counts().active() == 0);
        } finally {
            for (Socket s : admitted) {
                s.close();
            }
            pool.shutdownNow();
        }
    }
}
