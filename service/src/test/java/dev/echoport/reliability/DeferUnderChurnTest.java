package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code over-limit = defer} under pressure: no wake-up is lost when slots free while connections are being deferred,
 * a long backlog is swept so that no connection waits longer than {@code defer-timeout}, and raising the limit admits
 * the held connections at once.
 */
class DeferUnderChurnTest {
    private static final Logger log = LoggerFactory.getLogger(DeferUnderChurnTest.class);
    static final int THREADS = 8;
    static final long CHURN_MILLIS = Reliability.ciOrHeavy(4_000, 10_000);
    static final int BACKLOG_CLIENTS = 200;

    @EveryTransport
    void short_lived_clients_at_max_connections_1_never_time_out(Transport transport) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, over-limit = defer, defer-timeout = 5s }"))) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHURN_MILLIS);
            List<Future<long[]>> loops = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                byte b = (byte) t;
                loops.add(pool.submit(() -> {
                    long echoed = 0;
                    long failed = 0;
                    while (System.nanoTime() - end < 0) {
                        try (Socket s = Clients.connect(ep.address())) {
                            if (Clients.roundTrip(s, new byte[]{b})[0] == b) {
                                echoed++;
                            }
                        } catch (IOException e) {
                            failed++;
                        }
                    }
                    return new long[]{echoed, failed};
                }));
            }
            long echoed = 0;
            long failed = 0;
            for (Future<long[]> f : loops) {
                long[] r = f.get(2, TimeUnit.MINUTES);
                echoed += r[0];
                failed += r[1];
            }
            Await.until("every slot released", () -> ep.server().counts().active() == 0);
            double timeouts = ep.counter("echoport.connections.rejected", "reason", "defer_timeout");
            log.info("FIGURE defer-churn {}: {} threads for {} ms at max-connections 1: {} echoed, {} failed, {} "
                            + "deferred, {} defer_timeout", transport, THREADS, CHURN_MILLIS, echoed, failed,
                    ep.counter("echoport.connections.deferred"), timeouts);
            assertThat(timeouts).as("connections refused for defer_timeout, %s", transport).isZero();
            assertThat(failed).as("connections that did not echo, %s", transport).isZero();
            assertThat(echoed).as("connections echoed, %s", transport).isPositive();
            assertThat(ep.counter("echoport.connections.accepted")).isEqualTo(echoed);
        } finally {
            pool.shutdownNow();
        }
    }

    @EveryTransport
    void a_long_backlog_is_refused_within_defer_timeout(Transport transport) throws Exception {
        long timeoutMillis = 1_000;
        List<Socket> waiting = new ArrayList<>();
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, over-limit = defer, defer-timeout = " + timeoutMillis + "ms }"));
             Socket holder = Clients.connect(ep.address())) {
            assertThat(Clients.roundTrip(holder, new byte[]{1})).containsExactly(1);
            long[] connectedAt = new long[BACKLOG_CLIENTS];
            for (int i = 0; i < BACKLOG_CLIENTS; i++) {
                connectedAt[i] = System.nanoTime();
                waiting.add(Clients.connect(ep.address())); // the kernel completes them: held or in the backlog
            }
            long[] waitedMillis = new long[BACKLOG_CLIENTS];
            for (int i = 0; i < BACKLOG_CLIENTS; i++) {
                assertThat(Clients.refusal(waiting.get(i), 30_000)).as("client %d, %s", i, transport)
                        .isEqualTo("reset");
                waitedMillis[i] = (System.nanoTime() - connectedAt[i]) / 1_000_000;
            }
            long longest = Arrays.stream(waitedMillis).max().orElseThrow();
            log.info("FIGURE defer-backlog {}: {} clients behind a held slot, defer-timeout {} ms: refused after "
                            + "{} ms at most (the one that connected first: {} ms)", transport, BACKLOG_CLIENTS,
                    timeoutMillis, longest, waitedMillis[0]);
            // Each refusal is read one after the other, so a late read adds to the figure: only the bound matters.
            // Before the sweep covered the whole backlog, the last clients waited ~13 x defer-timeout here.
            assertThat(longest).as("longest wait (ms) for a refusal, %s", transport)
                    .isLessThan(timeoutMillis + 4_000);
            assertThat(ep.counter("echoport.connections.rejected", "reason", "defer_timeout"))
                    .isEqualTo(BACKLOG_CLIENTS);
            assertThat(Clients.roundTrip(holder, new byte[]{2})).as("the admitted one is untouched").containsExactly(2);
        } finally {
            for (Socket s : waiting) {
                s.close();
            }
        }
    }

    @EveryTransport
    void raising_max_connections_admits_the_held_connections_at_once(Transport transport) throws Exception {
        List<Socket> held = new ArrayList<>();
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "admission { max-connections = 1, over-limit = defer, defer-timeout = 60s }"));
             Socket holder = Clients.connect(ep.address())) {
            assertThat(Clients.roundTrip(holder, new byte[]{1})).containsExactly(1);
            for (int i = 0; i < 3; i++) {
                Socket s = Clients.connect(ep.address());
                s.getOutputStream().write(new byte[]{(byte) (10 + i)});
                held.add(s);
            }
            // The first is held; the listener then stops accepting, and the others wait in the backlog.
            Await.until("a connection deferred", () -> ep.counter("echoport.connections.deferred") >= 1.0);
            long t0 = System.nanoTime();
            ep.server().updateRules(ep.server().rules().withMaxConnections(10)); // what SIGHUP applies
            for (int i = 0; i < 3; i++) {
                assertThat(Clients.readExactly(held.get(i).getInputStream(), 1)).containsExactly(10 + i);
            }
            long millis = (System.nanoTime() - t0) / 1_000_000;
            log.info("FIGURE defer-reload {}: 3 held connections echoed {} ms after max-connections went 1 -> 10",
                    transport, millis);
            assertThat(millis).as("admitted well before defer-timeout (60 s), %s", transport).isLessThan(10_000);
            assertThat(ep.counter("echoport.connections.accepted")).isEqualTo(4.0);
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
