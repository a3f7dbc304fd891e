import dev.echoport.loadgen.LoadGenerator;
import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.RunDetails;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * TLS bulk against plain TCP for two running echoport processes (tls.provider = openssl and jdk), driven by loadgen in
 * this one warm JVM, with an OpenSSL and a JDK client, in interleaved rounds; the first round only warms both sides up.
 * Prints every round, then median (min-max) of each figure, including the server's CPU per MB echoed (from /proc).
 * Run by bench/tls-providers.sh as a single-file program on loadgen's class path:
 * <pre>java -cp loadgen/target/loadgen.jar bench/TlsProviders.java ROUNDS SECONDS CONNECTIONS SIZE PIPELINE \
 *     openssl=PORT:PID jdk=PORT:PID</pre>
 * PORT is the plain echo port; the TLS port is PORT + 2.
 */
public class TlsProviders {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        Duration measured = Duration.ofSeconds(Long.parseLong(args[1]));
        int connections = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int pipeline = Integer.parseInt(args[4]);
        Map<String, long[]> servers = new TreeMap<>(Collections.reverseOrder()); // openssl first
        for (int i = 5; i < args.length; i++) {
            String[] kv = args[i].split("[=:]");
            servers.put(kv[0], new long[]{Long.parseLong(kv[1]), Long.parseLong(kv[2])});
        }
        System.out.printf("shape: %d connections x %d B, pipeline %d, %d s measured after 1 s warm-up%n",
                connections, size, pipeline, measured.toSeconds());
        Map<String, List<Double>> figures = new TreeMap<>();
        for (int round = 0; round <= rounds; round++) {
            for (Map.Entry<String, long[]> server : servers.entrySet()) {
                int port = (int) server.getValue()[0];
                long pid = server.getValue()[1];
                double[] plain = run(port, null, pid, connections, size, pipeline, measured);
                for (SslProvider client : List.of(SslProvider.OPENSSL, SslProvider.JDK)) {
                    SslContext tls = SslContextBuilder.forClient().sslProvider(client)
                            .trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null)
                            .build();
                    double[] t = run(port + 2, tls, pid, connections, size, pipeline, measured);
                    String who = server.getKey() + " server, " + client.name().toLowerCase() + " client: ";
                    System.out.printf("round %d %splain %.0f MB/s, TLS %.0f MB/s, TLS/plain %.2f%n", round, who,
                            plain[0], t[0], t[0] / plain[0]);
                    if (round > 0) {
                        add(figures, who + "TLS MB/s", t[0]);
                        add(figures, who + "TLS/plain", t[0] / plain[0]);
                        add(figures, who + "server CPU ms per TLS MB", t[1]);
                    }
                }
                if (round > 0) {
                    add(figures, server.getKey() + " server: plain MB/s", plain[0]);
                    add(figures, server.getKey() + " server: server CPU ms per plain MB", plain[1]);
                }
            }
        }
        System.out.println("median (min-max) over " + rounds + " rounds:");
        figures.forEach((name, v) -> {
            List<Double> sorted = new ArrayList<>(v);
            Collections.sort(sorted);
            System.out.printf("  %-52s %8.2f (%.2f-%.2f)%n", name, sorted.get(sorted.size() / 2), sorted.get(0),
                    sorted.get(sorted.size() - 1));
        });
    }

    /** One loadgen run; returns {MB/s received, server CPU ms per MB received (warm-up included in both)}. */
    private static double[] run(int port, SslContext tls, long pid, int connections, int size, int pipeline,
                                Duration measured) throws Exception {
        LoadOptions o = new LoadOptions("127.0.0.1", port, connections, size, pipeline, measured, 0,
                Duration.ofSeconds(1), 0, 0, "auto", 0);
        double cpuBefore = cpuSeconds(pid);
        long start = System.nanoTime();
        RunDetails r = LoadGenerator.runDetailed(o, null, tls);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = cpuSeconds(pid) - cpuBefore;
        if (r.report().mismatches() > 0 || r.report().roundTrips() == 0) {
            throw new IllegalStateException("port " + port + ": " + r.report());
        }
        double mbps = r.report().mbReceivedPerSecond();
        return new double[]{mbps, cpu * 1000 / (mbps * seconds)};
    }

    /** utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat; 100 ticks a second). */
    private static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static void add(Map<String, List<Double>> figures, String name, double value) {
        figures.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
}
