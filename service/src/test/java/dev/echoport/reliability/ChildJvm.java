package dev.echoport.reliability;

import dev.echoport.testsupport.EchoportProcess;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Figures of an echoport child process: a full GC on request (jcmd), heap in use (from /metrics), RSS and fds. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** Runs a full GC in the child with {@code jcmd PID GC.run}, so heap figures compare like with like. */
    static void gc(EchoportProcess p) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(p.pid()), "GC.run").redirectErrorStream(true).start();
        jcmd.getInputStream().readAllBytes();
        if (!jcmd.waitFor(30, TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + p.pid() + " GC.run failed");
        }
    }

    /** Sum of jvm_memory_used_bytes{area="heap"} over the heap pools, from the child's /metrics. */
    static long heapUsedBytes(EchoportProcess p) {
        String body = AdminProbe.get(p.adminPort(), "/metrics").body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        if (sum == 0) {
            throw new IllegalStateException("no jvm_memory_used_bytes{area=\"heap\"} in /metrics");
        }
        return (long) sum;
    }

    static long rssBytes(EchoportProcess p) {
        return Reliability.rssBytes(Long.toString(p.pid()));
    }

    /**
     * The hard descriptor limit of this process (the most a child may be given without CAP_SYS_RESOURCE), from
     * /proc/self/limits.
     */
    static int hardNofile() {
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (l.startsWith("Max open files")) {
                    String[] f = l.trim().split("\\s+");
                    return Integer.parseInt(f[4]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            throw new IllegalStateException("cannot read the descriptor limit from /proc/self/limits: " + e, e);
        }
        throw new IllegalStateException("no \"Max open files\" in /proc/self/limits");
    }

    /** {@code prlimit --nofile=N:N}: the wrapper that sets the child's descriptor limit (util-linux). */
    static List<String> nofile(int limit) {
        return List.of("prlimit", "--nofile=" + limit + ":" + limit);
    }
}
