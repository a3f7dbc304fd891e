package dev.echoport.faults;

import ch.qos.logback.classic.Level;
import dev.echoport.Echoport;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who gets the faults: faults.probability decides once per connection, and the counter says exactly which ones the
 * clients saw delayed; a reload (what SIGHUP calls) gives new connections the new faults while open ones keep theirs;
 * a WARN line and echoport_faults_active say so whenever faults are on.
 */
class FaultsPerConnectionTest {
    private static final int CONNECTIONS = 40;
    /** Long enough that a connection without the fault never looks delayed, even on a loaded machine. */
    private static final long LATENCY_MILLIS = 1000;

    @TempDir
    Path dir;

    @EveryTransport
    void probability_picks_connections_and_the_counter_names_exactly_those(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "faults.latency = " + LATENCY_MILLIS + "ms", "faults.probability = 0.5"))) {
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            try {
                List<Future<Double>> rtts = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    rtts.add(pool.submit(() -> {
                        try (Socket s = Clients.connect(rs.address())) {
                            roundTripMillis(s); // admitted and registered (oio registers a burst of connections late)
                            return roundTripMillis(s);
                        }
                    }));
                }
                int delayed = 0;
                for (Future<Double> f : rtts) {
                    if (f.get() >= LATENCY_MILLIS) {
                        delayed++;
                    }
                }
                System.out.printf("FIGURE probability 0.5 %s: %d of %d connections delayed%n",
                        transport.configName(), delayed, CONNECTIONS);
                assertThat(delayed).as("connections the clients saw delayed, about half").isBetween(5, 35);
                assertThat(rs.counter("echoport.faults.injected", "fault", "latency"))
                        .as("injected{latency}: exactly the connections delayed").isEqualTo(delayed);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @EveryTransport
    void a_reload_gives_new_connections_the_new_faults_and_open_ones_keep_theirs(Transport transport)
            throws Exception {
        Path file = dir.resolve("echoport.conf");
        String listeners = "echoport { host = \"127.0.0.1\", port = 0, admin { host = \"127.0.0.1\", port = 0 },"
                + " transport = " + transport.configName();
        Files.writeString(file, listeners + " }\n");
        Settings settings = SettingsLoader.load(Optional.of(file)).withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
        try (Echoport ep = new Echoport(settings, Optional.of(file)).start()) {
            InetSocketAddress address = new InetSocketAddress("127.0.0.1", ep.server().port());
            MeterRegistry registry = ep.registry();
            try (Socket before = Clients.connect(address)) {
                // connect() returns once the kernel has the connection; a round trip proves echoport admitted it (and
                // gave it its faults) before the reload, not after (a clean-clone CI run saw 1,002 ms here).
                assertThat(roundTripMillis(before)).as("a connection opened before the reload, before it")
                        .isLessThan(LATENCY_MILLIS);
                assertThat(active(registry, "latency")).isZero();
                Files.writeString(file, listeners + ", faults.latency = " + LATENCY_MILLIS + "ms }\n");
                CapturingAppender.clear();
                assertThat(ep.reload()).isTrue();
                assertThat(CapturingAppender.messages(FaultInjector.class.getName(), Level.WARN))
                        .containsExactly("faults injected on purpose, for new connections from now on:"
                                + " latency 1000ms");
                assertThat(active(registry, "latency")).isEqualTo(1.0);
                assertThat(active(registry, "bandwidth")).isZero();

                assertThat(roundTripMillis(before)).as("a connection opened before the reload")
                        .isLessThan(LATENCY_MILLIS);
                assertThat(roundTripMillis(address)).as("a connection opened after it")
                        .isGreaterThanOrEqualTo(LATENCY_MILLIS);

                Files.writeString(file, listeners + " }\n");
                assertThat(ep.reload()).isTrue();
                assertThat(active(registry, "latency")).isZero();
                assertThat(roundTripMillis(address)).as("after the faults were turned off")
                        .isLessThan(LATENCY_MILLIS);
            }
        }
    }

    @EveryTransport
    void faults_at_start_up_are_named_in_one_warn_line(Transport transport) throws Exception {
        CapturingAppender.clear();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "faults.reset-after-bytes = 1KiB",
                "faults.udp-drop = 0.25", "faults.probability = 0.1"))) {
            assertThat(CapturingAppender.messages(FaultInjector.class.getName(), Level.WARN)).containsExactly(
                    "faults injected on purpose: reset-after-bytes 1024 B, udp-drop 25% of datagrams"
                            + " (for 10% of new connections)");
            assertThat(rs.server().faults().current().active())
                    .containsExactly(Fault.RESET_AFTER_BYTES, Fault.UDP_DROP);
        }
    }

    private static double active(MeterRegistry registry, String fault) {
        return registry.get("echoport.faults.active").tag("fault", fault).gauge().value();
    }

    private static double roundTripMillis(InetSocketAddress address) throws Exception {
        try (Socket s = Clients.connect(address)) {
            return roundTripMillis(s);
        }
    }

    private static double roundTripMillis(Socket s) throws Exception {
        byte[] msg = {1, 2, 3};
        long start = System.nanoTime();
        assertThat(Clients.roundTrip(s, msg)).isEqualTo(msg);
        return (System.nanoTime() - start) / 1e6;
    }
}
