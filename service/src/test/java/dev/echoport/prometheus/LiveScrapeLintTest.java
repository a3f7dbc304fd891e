package dev.echoport.prometheus;

import com.typesafe.config.ConfigFactory;
import dev.echoport.Echoport;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.tls.TestPki;
import io.netty.pkitesting.X509Bundle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code promtool check metrics}, Prometheus' own linter, has nothing to say about a live scrape of echoport with
 * every listener and meter on (TLS, UDP, faults, after traffic on each), and the check is not vacuous: it does
 * report a scrape with the faults echoport's binders had (a gauge named like a histogram's _count series).
 */
class LiveScrapeLintTest {

    @Test
    void promtool_check_metrics_reports_nothing_for_a_live_scrape(@TempDir Path dir) throws Exception {
        Path promtool = Binaries.require("promtool");
        X509Bundle ca = TestPki.ca("lint-ca");
        TestPki.writeServerFiles(TestPki.server(ca, "localhost"), dir);
        Settings settings = SettingsLoader.fromConfig(ConfigFactory.parseString("echoport { host = \"127.0.0.1\","
                        + " port = 0, admin.port = 0, udp { enabled = true, port = 0 }, faults.latency = 1ms,\n"
                        + TestPki.settings(dir) + " }")
                .withFallback(SettingsLoader.defaults()).resolve())
                .withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
        try (Echoport echoport = new Echoport(settings, Optional.empty()).start()) {
            traffic(echoport, ca);
            Path scrape = dir.resolve("metrics.txt");
            HttpResponse<Path> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + echoport.admin().orElseThrow().localAddress().getPort() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofFile(scrape));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Files.readString(scrape)).contains("echoport_tls_handshakes_total",
                    "echoport_udp_datagrams_sent_total", "echoport_faults_injected_total", "process_cpu_seconds_total",
                    "netty_allocator_memory_used", "netty_eventexecutor_tasks_pending");

            Binaries.Run lint = Binaries.run(dir, List.of(promtool.toString(), "check", "metrics"), scrape);
            assertThat(lint.output()).as("promtool check metrics on a live scrape").isEmpty();
            assertThat(lint.exitCode()).isZero();
        }
    }

    @Test
    void promtool_check_metrics_does_report_what_it_should(@TempDir Path dir) throws Exception {
        Path promtool = Binaries.require("promtool");
        Path scrape = Files.writeString(dir.resolve("bad.txt"), """
                # HELP system_cpu_count The number of processors available to the Java virtual machine
                # TYPE system_cpu_count gauge
                system_cpu_count 2.0
                # HELP netty_eventexecutor_tasks_pending \s
                # TYPE netty_eventexecutor_tasks_pending gauge
                netty_eventexecutor_tasks_pending{name="loop-1"} 0.0
                """);
        Binaries.Run lint = Binaries.run(dir, List.of(promtool.toString(), "check", "metrics"), scrape);
        assertThat(lint.output()).contains("system_cpu_count").contains("netty_eventexecutor_tasks_pending no help");
        assertThat(lint.exitCode()).isNotZero();
    }

    /** One plain, one TLS connection and one datagram, each echoed, so every meter has seen traffic. */
    private static void traffic(Echoport echoport, X509Bundle ca) throws Exception {
        byte[] hello = {'h', 'i'};
        try (Socket s = new Socket("127.0.0.1", echoport.server().port())) {
            s.getOutputStream().write(hello);
            assertThat(s.getInputStream().readNBytes(2)).isEqualTo(hello);
        }
        try (Socket s = TestPki.connect(new InetSocketAddress("127.0.0.1", echoport.server().tlsPort()), ca, null)) {
            s.getOutputStream().write(hello);
            InputStream in = s.getInputStream();
            assertThat(in.readNBytes(2)).isEqualTo(hello);
        }
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.setSoTimeout(5000);
            udp.send(new DatagramPacket(hello, 2, new InetSocketAddress("127.0.0.1", echoport.server().udpPort())));
            DatagramPacket back = new DatagramPacket(new byte[16], 16);
            udp.receive(back);
            assertThat(back.getLength()).isEqualTo(2);
        }
    }
}
