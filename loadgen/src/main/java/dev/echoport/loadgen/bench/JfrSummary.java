package dev.echoport.loadgen.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Where a server's CPU and allocation go, from a JFR recording (what {@code bench/profile.sh} makes): the methods most
 * often on top of the sampled Java stacks (self), the methods most often anywhere on them (total), and the allocated
 * classes weighted by JFR's allocation samples. Only threads whose name starts with the given prefixes count, so the
 * event loops are compared with event loops.
 */
@Command(name = "jfr-summary", mixinStandardHelpOptions = true,
        description = "Summarises a JFR recording: CPU samples by method (self and total) and allocation by class.")
public final class JfrSummary implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RECORDING", description = "A .jfr file.")
    Path recording;

    @Option(names = "--top", defaultValue = "25", description = "Rows per table. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--threads", split = ",", defaultValue = "echoport-io,echoport-accept,minimal-io,"
            + "multiThreadIoEventLoopGroup",
            description = "Thread name prefixes that count. Default: ${DEFAULT-VALUE}.")
    List<String> threads;

    @Override
    public Integer call() throws IOException {
        Map<String, Long> self = new HashMap<>();
        Map<String, Long> total = new HashMap<>();
        Map<String, Long> allocByClass = new HashMap<>();
        Map<String, Long> allocBySite = new HashMap<>();
        long samples = 0;
        long allocated = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            String type = e.getEventType().getName();
            if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.ObjectAllocationSample")) {
                continue;
            }
            jdk.jfr.consumer.RecordedThread t = type.equals("jdk.ExecutionSample") ? e.getThread("sampledThread")
                    : e.getThread();
            String thread = t == null ? null : t.getJavaName();
            if (thread == null || threads.stream().noneMatch(thread::startsWith)) {
                continue;
            }
            RecordedStackTrace st = e.getStackTrace();
            if (type.equals("jdk.ExecutionSample") && st != null && !st.getFrames().isEmpty()) {
                samples++;
                self.merge(name(st.getFrames().get(0)), 1L, Long::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame f : st.getFrames()) {
                    if (seen.add(name(f))) {
                        total.merge(name(f), 1L, Long::sum);
                    }
                }
            } else if (type.equals("jdk.ObjectAllocationSample")) {
                long w = e.getLong("weight");
                allocated += w;
                allocByClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
                if (st != null) {
                    allocBySite.merge(site(st), w, Long::sum);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%s: %,d CPU samples on %s, %,d MB allocated (sampled estimate)%n",
                recording.getFileName(), samples, threads, allocated / 1_000_000);
        print("CPU, self", self, samples, "samples");
        print("CPU, total (method anywhere on the stack)", total, samples, "samples");
        print("allocation by class", allocByClass, allocated, "bytes");
        print("allocation by site (first frames outside java.*)", allocBySite, allocated, "bytes");
        return 0;
    }

    private void print(String title, Map<String, Long> counts, long all, String unit) {
        System.out.printf(Locale.ROOT, "%n%s:%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
                .forEach(c -> System.out.printf(Locale.ROOT, "  %5.1f%%  %,14d %s  %s%n",
                        all == 0 ? 0 : 100.0 * c.getValue() / all, c.getValue(), unit, c.getKey()));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /** The allocating frame and its two callers, skipping the JDK's own frames. */
    private static String site(RecordedStackTrace st) {
        StringBuilder b = new StringBuilder();
        int shown = 0;
        for (RecordedFrame f : st.getFrames()) {
            String n = name(f);
            if (n.startsWith("java.") || n.startsWith("jdk.")) {
                continue;
            }
            b.append(shown == 0 ? "" : " < ").append(n.substring(n.lastIndexOf('.', n.lastIndexOf('.') - 1) + 1));
            if (++shown == 3) {
                break;
            }
        }
        return b.toString();
    }
}
