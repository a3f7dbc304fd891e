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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The service under {@code prlimit --nofile=1024:1024} with max-connections 5,000: once out of descriptors it does not
 * spin on accept (CPU near idle), logs at most one line a second, and accepts again as soon as descriptors free.
 */
class DescriptorExhaustionTest {
    private static final Logger log = LoggerFactory.getLogger(DescriptorExhaustionTest.class);
    static final int NOFILE = 1024;
    static final int CLIENTS = 1_100;
    static final long WINDOW_MILLIS = 3_000;
    /** "Near idle": under a tenth of one core over the window. */
    static final double MAX_CORES = 0.10;
    /** The accept group's threads, "echoport-accept-<transport>-…", as the kernel names them (15 characters). */
    static final String ACCEPT_THREAD = "echoport-accept";
    private static final Pattern SUPPRESSED = Pattern.compile("\\((\\d+) more accept errors");

    @EveryTransport
    void out_of_descriptors_the_server_idles_logs_once_a_second_and_recovers(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        List<Socket> clients = new ArrayList<>();
        try (EchoportProcess p = EchoportProcess.start(Map.of("ECHOPORT_TRANSPORT", transport.configName(),
                "ECHOPORT_MAX_CONNECTIONS", "5000"), ChildJvm.nofile(NOFILE))) {
            String pid = Long.toString(p.pid());
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Clients.connect(p.echoAddress())); // the kernel completes these; the server must accept
            }
            Await.until("the server ran out of descriptors, " + transport,
                    () -> p.stdout().stream().anyMatch(l -> l.contains("accept failed")));
            // Measure once the process has settled: the window must not overlap its warm-up (JIT, GC). oio's
            // connection threads poll once a second each (see below), so its process never gets that quiet.
            long settleMillis = Reliability.settle(pid, transport.isThreadPerConnection() ? 0.3 : MAX_CORES / 2,
                    30_000);
            int fdsAtLimit = Reliability.openFds(pid);
            int linesBefore = acceptFailedLines(p).size();
            long ticks0 = Reliability.cpuTicks(pid);
            long acceptTicks0 = Reliability.threadCpuTicks(pid, ACCEPT_THREAD);
            long t0 = System.nanoTime();
            Thread.sleep(WINDOW_MILLIS); // the measurement window: CPU time is only visible over time
            long ticks1 = Reliability.cpuTicks(pid);
            long acceptTicks1 = Reliability.threadCpuTicks(pid, ACCEPT_THREAD);
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<String> allLines = acceptFailedLines(p);
            List<String> windowLines = allLines.subList(linesBefore, allLines.size());
            long lines = windowLines.size();
            long retries = windowLines.stream().mapToLong(DescriptorExhaustionTest::suppressedErrors).sum();
            double cores = (ticks1 - ticks0) / (double) Reliability.CLOCK_TICKS / seconds;
            double acceptCores = (acceptTicks1 - acceptTicks0) / (double) Reliability.CLOCK_TICKS / seconds;

            // Free descriptors: close 300 clients; the server accepts again (backlog first, then a new connection).
            for (int i = 0; i < 300; i++) {
                clients.remove(clients.size() - 1).close();
            }
            long t1 = System.nanoTime();
            boolean resumed = false;
            String ctx = transport + " seed " + seed + "; " + tail(p);
            while (!resumed && System.nanoTime() - t1 < 10_000_000_000L) {
                try (Socket s = Clients.connect(p.echoAddress())) {
                    s.setSoTimeout(3_000);
                    byte[] msg = Clients.randomBytes(32, seed);
                    resumed = java.util.Arrays.equals(Clients.roundTrip(s, msg), msg);
                } catch (IOException notYet) {
                    // still out of descriptors, or this one was the backlog's overflow; try again
                }
            }
            long resumeMillis = (System.nanoTime() - t1) / 1_000_000;
            log.info("FIGURE fd-exhaustion {}: nofile {}, {} client connections, server fds at limit {}; settled "
                            + "after {} ms; over {} ms out of descriptors: CPU {} cores (accept thread {}), {} 'accept "
                            + "failed' lines, {} accept retries between them; accepting again {} ms after 300 clients "
                            + "closed", transport, NOFILE, CLIENTS, fdsAtLimit, settleMillis, WINDOW_MILLIS,
                    String.format("%.3f", cores),
                    String.format("%.3f", acceptCores), lines, retries, resumeMillis);
            // A spin shows as accept retries between the once-a-second lines (tens of thousands), and as CPU.
            assertThat(retries).as("accept retries while paused, %s", ctx).isLessThanOrEqualTo(2 * lines);
            assertThat(acceptCores).as("CPU (cores) of the accept thread while out of descriptors, %s", ctx)
                    .isLessThan(MAX_CORES);
            if (!transport.isThreadPerConnection()) {
                // oio's ~1,000 connection threads each wake once per SO_TIMEOUT (1 s) to poll: its documented cost,
                // present with or without the exhaustion, so only its accept thread is held to "near idle".
                assertThat(cores).as("CPU (cores) while out of descriptors, %s", ctx).isLessThan(MAX_CORES);
            }
            assertThat(lines).as("'accept failed' lines in %d ms, %s", WINDOW_MILLIS, ctx)
                    .isLessThanOrEqualTo(WINDOW_MILLIS / 1000 + 1);
            assertThat(resumed).as("accepting resumed after descriptors freed, %s", ctx).isTrue();
            assertThat(p.stdout()).as("no event loop died while out of descriptors, %s", ctx)
                    .noneMatch(l -> l.contains("Unexpected exception from an event executor"));
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    private static List<String> acceptFailedLines(EchoportProcess p) {
        return p.stdout().stream().filter(l -> l.contains("accept failed") || l.contains("Failed to create a new "
                + "channel") || l.contains("Too many open files")).toList();
    }

    /** The "(N more accept errors since the last line)" count of one log line, 0 when it has none. */
    private static long suppressedErrors(String line) {
        Matcher m = SUPPRESSED.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String tail(EchoportProcess p) {
        List<String> out = p.stdout();
        return "last stdout lines: " + out.subList(Math.max(0, out.size() - 3), out.size()) + " stderr: "
                + p.stderr().subList(0, Math.min(3, p.stderr().size()));
    }
}
