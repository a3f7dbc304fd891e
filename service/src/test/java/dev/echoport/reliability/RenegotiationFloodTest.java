package dev.echoport.reliability;

import ch.qos.logback.classic.Level;
import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.tls.EveryTransportAndTlsProvider;
import dev.echoport.tls.TestPki;
import dev.echoport.transport.Transport;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLSocket;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many TLS 1.2 clients at once, each renegotiating right after its handshake (each renegotiation would cost the server
 * a full handshake): every one is refused and closed with nothing more echoed, each refusal counted exactly once
 * ({@code reason="renegotiation"}), the log stays at most one line a second, a bystander keeps its echo throughout,
 * and no connection or buffer is left behind.
 */
class RenegotiationFloodTest {
    private static final Logger log = LoggerFactory.getLogger(RenegotiationFloodTest.class);
    private static final int CLIENTS = 60;
    private static final int CLIENT_THREADS = 12;
    private static X509Bundle ca;

    @TempDir
    Path dir;

    @BeforeAll
    static void makeCa() throws Exception {
        ca = TestPki.ca("echoport test CA");
    }

    @EveryTransportAndTlsProvider
    void every_renegotiating_client_is_refused_counted_once_and_the_log_stays_quiet(Transport transport,
                                                                                   TlsProvider provider)
            throws Exception {
        TestPki.writeServerFiles(TestPki.server(ca, "echoport"), dir);
        CapturingAppender.clear();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                TestPki.settings(dir, TestPki.provider(provider))));
             SSLSocket bystander = TestPki.connect(tlsAddress(rs), ca, null)) {
            assertThat(Clients.roundTrip(bystander, new byte[]{0})).isEqualTo(new byte[]{0});
            long start = System.nanoTime();
            long[] toRefusal = new long[CLIENTS];
            ExecutorService pool = Executors.newFixedThreadPool(CLIENT_THREADS);
            try {
                List<Future<Long>> attempts = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    attempts.add(pool.submit(() -> renegotiate(tlsAddress(rs))));
                }
                for (int i = 0; i < CLIENTS; i++) {
                    toRefusal[i] = attempts.get(i).get(Await.DEFAULT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(Clients.roundTrip(bystander, new byte[]{1})).as("the bystander is still served")
                    .isEqualTo(new byte[]{1});
            Await.until("every refusal counted", () -> rs.counter("echoport.tls.handshake.failures", "reason",
                    "renegotiation") == CLIENTS);
            Await.until("only the bystander open", () -> rs.server().counts().active() == 1);
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(rs.counter("echoport.tls.handshakes")).as("one handshake each, none again")
                    .isEqualTo(CLIENTS + 1.0);
            // counted once the write completes, which may be after the client read it: wait for it
            Await.until("one byte echoed to each before renegotiating, and the bystander's 2",
                    () -> rs.counter("echoport.bytes.sent") == CLIENTS + 2.0);
            assertThat(rs.counter("echoport.bytes.received")).as("and nothing more came through")
                    .isEqualTo(CLIENTS + 2.0);
            List<String> lines = CapturingAppender.messages("dev.echoport", Level.WARN);
            assertThat(lines).as("at most one line a second (%.1f s)", seconds)
                    .hasSizeLessThanOrEqualTo((int) Math.ceil(seconds) + 1)
                    .allMatch(l -> l.contains("failed (renegotiation)"));
            log.info("FIGURE renegotiation flood {} {}: {} clients refused in {} s; time from ClientHello to close "
                            + "p50 {} us, p99 {} us, max {} us; {} log lines", transport.configName(),
                    provider.name().toLowerCase(java.util.Locale.ROOT), CLIENTS, String.format("%.2f", seconds),
                    Reliability.percentileMicros(toRefusal, 50), Reliability.percentileMicros(toRefusal, 99),
                    Reliability.percentileMicros(toRefusal, 100), lines.size());
        }
    }

    /** Handshakes TLS 1.2, echoes one byte, renegotiates; returns the nanoseconds until the server closed. */
    private static long renegotiate(InetSocketAddress to) throws Exception {
        try (SSLSocket s = TestPki.connect(to, ca, null)) {
            s.setEnabledProtocols(new String[]{"TLSv1.2"});
            s.startHandshake();
            assertThat(Clients.roundTrip(s, new byte[]{7})).isEqualTo(new byte[]{7});
            long t0 = System.nanoTime();
            try {
                s.startHandshake();
                s.getOutputStream().write(8);
                s.getOutputStream().flush();
                if (s.getInputStream().read() >= 0) {
                    throw new AssertionError("echoed after a renegotiation");
                }
                throw new EOFException();
            } catch (IOException refused) {
                return System.nanoTime() - t0;
            }
        }
    }

    private static InetSocketAddress tlsAddress(RunningEchoport rs) {
        return new InetSocketAddress("127.0.0.1", rs.server().tlsPort());
    }
}
