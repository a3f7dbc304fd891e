package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.ClientTls;
import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.LoadReport;
import dev.echoport.loadgen.LoadSession;
import dev.echoport.loadgen.RunDetails;
import dev.echoport.loadgen.UdpLoad;
import io.netty.handler.ssl.SslContext;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The TLS and UDP rows of the benchmark: the same echoport process serves plain TCP, TLS (a throwaway certificate
 * made here) and UDP (per-source rate limit lifted), and each is driven with the same shape, so the ratios show what
 * TLS and datagrams cost beside plain TCP.
 */
final class ProtocolCost {
    static final int TLS_PORT_OFFSET = 500;
    static final List<Shape> SHAPES = List.of(new Shape("4 x 512 B", 4, 512, 1, true),
            new Shape("4 x 16 KiB, pipeline 4 (bulk)", 4, 16 * 1024, 4, false));

    /** One load shape; {@code udp}: also run over UDP (one datagram in flight per socket, so pipeline 1 only). */
    record Shape(String name, int connections, int size, int pipeline, boolean udp) {
    }

    private final Path certificate;
    private final Path key;
    private final SslContext clientTls;

    private ProtocolCost(Path dir) throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=echoport bench CA").setIsCertificateAuthority(true)
                .ecp256().buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=echoport bench").ecp256()
                .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        certificate = Files.writeString(dir.resolve("bench.crt"), server.getCertificatePathPEM());
        key = Files.writeString(dir.resolve("bench.key"), server.getPrivateKeyPEM());
        Path caFile = Files.writeString(dir.resolve("bench-ca.crt"), ca.getCertificatePEM());
        clientTls = ClientTls.context(caFile);
    }

    static ProtocolCost create(Path dir) throws IOException {
        try {
            return new ProtocolCost(dir);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("bench certificate: " + e, e);
        }
    }

    /** The -D settings that give an echoport server its TLS listener (TCP port + 500) and its UDP listener. */
    List<String> serverProperties(int port) {
        return List.of("-Dechoport.tls.enabled=true", "-Dechoport.tls.port=" + (port + TLS_PORT_OFFSET),
                "-Dechoport.tls.certificate=" + certificate, "-Dechoport.tls.private-key=" + key,
                "-Dechoport.udp.enabled=true", "-Dechoport.udp.port=" + port,
                "-Dechoport.udp.packets-per-second-per-source=10000000", "-Dechoport.udp.burst=10000000");
    }

    /** One round of one protocol and shape; returns {rt/s, MB/s, p50, p99, cpu us/rt, verified 0/1}. */
    double[] measure(ServerProcess server, String protocol, Shape shape, BenchConfig config)
            throws InterruptedException {
        int port = protocol.equals("tls") ? server.port() + TLS_PORT_OFFSET : server.port();
        LoadOptions o = LoadOptions.defaults("127.0.0.1", port).withConnections(shape.connections())
                .withMessageSize(shape.size()).withPipeline(shape.pipeline()).withWarmup(config.warmup())
                .withDuration(config.duration()).withTransport(config.clientTransport())
                .withThreads(config.clientThreads());
        long pid = server.pid();
        if (protocol.equals("udp")) {
            double cpuBefore = ProcStats.cpuSeconds(pid);
            UdpLoad.Result r = UdpLoad.run(o);
            double cpu = ProcStats.cpuSeconds(pid) - cpuBefore;
            // CPU was sampled around warm-up too; the warm-up's datagrams are not counted, so this overstates a little
            return new double[]{r.roundTripsPerSecond(), r.mbPerSecond(), r.latency().p50Micros(),
                    r.latency().p99Micros(), cpu * 1e6 / Math.max(1, r.roundTrips()), r.clean() ? 1 : 0};
        }
        try (LoadSession session = new LoadSession(o, protocol.equals("tls") ? clientTls : null)) {
            session.open();
            CpuWindow window = new CpuWindow(pid);
            RunDetails d = session.drive(null, window);
            LoadReport r = d.report();
            return new double[]{r.roundTripsPerSecond(), r.mbReceivedPerSecond(), r.latency().p50Micros(),
                    r.latency().p99Micros(), BenchResults.cpuMicrosPerRoundTrip(window.seconds(), r.roundTrips()),
                    r.clean() && d.drained() ? 1 : 0};
        }
    }

    /** The median round by rate; any failed round marks the row unverified. */
    static BenchResults.ProtocolRow median(String server, String tlsProvider, String protocol, Shape shape,
            List<double[]> rounds) {
        List<double[]> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(x -> x[0]));
        double[] m = sorted.get(sorted.size() / 2);
        boolean verified = rounds.stream().allMatch(x -> x[5] == 1);
        return new BenchResults.ProtocolRow(server, protocol, shape.name(), m[0], m[1], (long) m[2], (long) m[3],
                m[4], verified, rounds.stream().map(x -> x[0]).toList(), tlsProvider);
    }
}
