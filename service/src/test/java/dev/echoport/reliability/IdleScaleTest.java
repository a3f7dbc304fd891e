package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EchoportProcess;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 10,000 concurrent idle connections: all accepted, all still echo afterwards; heap and RSS per connection recorded.
 * The server runs as a child process under {@code prlimit --nofile=H:H}, H being the hard limit (the test raises the
 * child's soft limit to it, and needs H above 10,000 plus a few hundred); the clients' 10,000 descriptors stay in this
 * JVM, which needs the same.
 */
class IdleScaleTest {
    private static final Logger log = LoggerFactory.getLogger(IdleScaleTest.class);
    static final int CONNECTIONS = 10_000;

    @EveryTransport
    void ten_thousand_idle_connections_are_held_and_all_still_echo(Transport transport) throws Exception {
        int nofile = ChildJvm.hardNofile();
        assumeTrue(nofile > CONNECTIONS + 500, "needs a descriptor limit above " + (CONNECTIONS + 500)
                + " (ulimit -Hn is " + nofile + ")");
        assumeTrue(!transport.isThreadPerConnection(),
                "oio needs a thread (and its stack) per connection: 10,000 idle connections means 10,000 threads");
        long seed = Reliability.SEED;
        List<Socket> idle = new ArrayList<>(CONNECTIONS);
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_TRANSPORT", transport.configName(),
                "ECHOPORT_MAX_CONNECTIONS", String.valueOf(2 * CONNECTIONS)), ChildJvm.nofile(nofile))) {
            warmUp(p, seed);
            ChildJvm.gc(p);
            long heap0 = ChildJvm.heapUsedBytes(p);
            long rss0 = ChildJvm.rssBytes(p);
            int fds0 = Reliability.openFds(Long.toString(p.pid()));
            long t0 = System.nanoTime();
            for (int i = 0; i < CONNECTIONS; i++) {
                idle.add(Clients.connect(p.echoAddress()));
            }
            long openMillis = (System.nanoTime() - t0) / 1_000_000;
            Await.until(String.format("the child holds a descriptor per connection, %s", transport),
                    () -> Reliability.openFds(Long.toString(p.pid())) >= fds0 + CONNECTIONS, Duration.ofMillis(20_000));
            ChildJvm.gc(p);
            long heap1 = ChildJvm.heapUsedBytes(p);
            long rss1 = ChildJvm.rssBytes(p);
            long t1 = System.nanoTime();
            for (int i = 0; i < idle.size(); i++) {
                byte[] msg = Clients.randomBytes(16, seed + i);
                assertThat(Clients.roundTrip(idle.get(i), msg)).as("connection %d of %d, %s seed %d", i,
                        CONNECTIONS, transport, seed).isEqualTo(msg);
            }
            long echoMillis = (System.nanoTime() - t1) / 1_000_000;
            String active = AdminProbe.get(p.adminPort(), "/metrics").body().lines()
                    .filter(l -> l.startsWith("echoport_connections_active")).findFirst().orElse("?");
            log.info("FIGURE idle-scale {}: {} connections opened in {} ms, all echoed in {} ms; heap {} -> {} MiB "
                            + "({} B/connection), RSS {} -> {} MiB ({} B/connection); {}", transport, CONNECTIONS,
                    openMillis, echoMillis, heap0 >> 20, heap1 >> 20, (heap1 - heap0) / CONNECTIONS, rss0 >> 20,
                    rss1 >> 20, (rss1 - rss0) / CONNECTIONS, active);
            assertThat(active).isEqualTo("echoport_connections_active " + CONNECTIONS + ".0");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /** A few round trips first, so the per-connection figures do not include one-time start-up allocations. */
    private static void warmUp(EchoportProcess p, long seed) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Socket s = Clients.connect(p.echoAddress())) {
                byte[] msg = Clients.randomBytes(64, seed - i);
                assertThat(Clients.roundTrip(s, msg)).isEqualTo(msg);
            }
        }
        Await.until("echoport_connections_active 0 after the echo round", () -> AdminProbe.get(p.adminPort(),
                "/metrics").body().contains("echoport_connections_active 0.0"));
    }
}
