package dev.echoport.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What the reliability scenarios share: the heavy-variant switch, the seed, percentiles and the process figures read
 * from /proc (open descriptors, resident memory, CPU time).
 */
final class Reliability {
    /** {@code -Dechoport-test.reliability.heavy=true} runs the full-size variants (slower; not for CI). */
    static final boolean HEAVY = Boolean.getBoolean("echoport-test.reliability.heavy");
    /**
     * {@code -Dechoport-test.reliability.seed=N} replays a run; every assertion message that depends on it names it.
     */
    static final long SEED = Long.getLong("echoport-test.reliability.seed", System.nanoTime());
    /** Clock ticks per second for /proc/PID/stat utime/stime (USER_HZ is 100 on every Linux we target). */
    static final long CLOCK_TICKS = 100;

    private Reliability() {
    }

    static int ciOrHeavy(int ci, int heavy) {
        return HEAVY ? heavy : ci;
    }

    /** Open file descriptors of {@code pid} ("self" for this JVM). */
    static int openFds(String pid) {
        try (Stream<Path> s = Files.list(Path.of("/proc", pid, "fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/" + pid + "/fd: " + e, e);
        }
    }

    /**
     * What the open descriptors of {@code pid} are, by kind ("socket", "anon_inode:[eventpoll]", "pipe", a file's
     * path), with how many of each: for saying which ones changed when a count did.
     */
    static Map<String, Integer> openFdKinds(String pid) {
        Map<String, Integer> kinds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc", pid, "fd"))) {
            s.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    kinds.merge(target.replaceAll(":\\[[0-9]+\\]$", ""), 1, Integer::sum);
                } catch (IOException closedMeanwhile) {
                    // gone between listing and reading: not open
                }
            });
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/" + pid + "/fd: " + e, e);
        }
        return kinds;
    }

    /** The kinds whose counts differ from {@code before} to {@code after}, as "kind before->after". */
    static List<String> changedKinds(Map<String, Integer> before, Map<String, Integer> after) {
        Set<String> all = new TreeSet<>(before.keySet());
        all.addAll(after.keySet());
        return all.stream().filter(k -> !before.getOrDefault(k, 0).equals(after.getOrDefault(k, 0)))
                .map(k -> k + " " + before.getOrDefault(k, 0) + "->" + after.getOrDefault(k, 0)).toList();
    }

    /** Resident set size of {@code pid} in bytes (VmRSS from /proc/PID/status). */
    static long rssBytes(String pid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", pid, "status"));
            for (String l : lines) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
                }
            }
            throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/status: " + e, e);
        }
    }

    /** User plus system CPU time of {@code pid} so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    static long cpuTicks(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14, 15, counted from field 3
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + "/stat: " + e, e);
        }
    }

    /**
     * User + system clock ticks of the threads of {@code pid} whose name (as the kernel keeps it, cut to 15
     * characters) starts with {@code namePrefix}.
     */
    static long threadCpuTicks(String pid, String namePrefix) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", pid, "task"))) {
            long ticks = 0;
            for (Path task : tasks.toList()) {
                try {
                    if (Files.readString(task.resolve("comm")).strip().startsWith(namePrefix)) {
                        ticks += cpuTicks(pid + "/task/" + task.getFileName());
                    }
                } catch (IOException | IllegalStateException exited) {
                    // the thread ended while we listed it: it no longer counts
                }
            }
            return ticks;
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/" + pid + "/task: " + e, e);
        }
    }

    /**
     * Waits until {@code pid} uses less than {@code cores} over a half-second window (its JIT and GC done with the
     * start-up and the load just applied), for at most {@code maxMillis}; returns how long that took. A process that
     * never settles (a spin) is simply measured after the wait, and fails the test's own threshold then.
     */
    static long settle(String pid, double cores, long maxMillis) throws InterruptedException {
        long start = System.nanoTime();
        while ((System.nanoTime() - start) / 1_000_000 < maxMillis) {
            long ticks = cpuTicks(pid);
            long t0 = System.nanoTime();
            Thread.sleep(500); // a measurement window: CPU time is only visible over time
            double used = (cpuTicks(pid) - ticks) / (double) CLOCK_TICKS / ((System.nanoTime() - t0) / 1e9);
            if (used < cores) {
                break;
            }
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    /** The {@code p}-th percentile (0..100) of {@code nanos}, in microseconds. */
    static long percentileMicros(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000;
    }
}
