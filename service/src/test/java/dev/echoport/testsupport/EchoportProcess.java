package dev.echoport.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * echoport as a child JVM ({@code dev.echoport.Main} on the test class path): for what only a process shows, exit
 * status, signals, environment overrides, descriptor limits. Stdout and stderr are collected line by line; closing
 * kills the process if it is still alive.
 */
public final class EchoportProcess implements AutoCloseable {
    /** Every port {@link #freePort} handed out in this JVM. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();
    public static final String STARTED = "started: transport";

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Map<String, String> env;

    private EchoportProcess(Process process, Map<String, String> env) {
        this.process = process;
        this.env = env;
        pump(process.getInputStream(), stdout, "stdout");
        pump(process.getErrorStream(), stderr, "stderr");
    }

    /**
     * Starts {@code Main} with {@code env} added to this environment. {@code wrapper} (e.g. {@code prlimit
     * --nofile=1024:1024}) is put before the java command when given.
     */
    public static EchoportProcess launch(Map<String, String> env, List<String> wrapper, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-Dio.netty.leakDetection.level=" + System.getProperty("io.netty.leakDetection.level", "SIMPLE"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.echoport.Main");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return new EchoportProcess(pb.start(), Map.copyOf(env));
    }

    public static EchoportProcess launch(Map<String, String> env, String... args) throws IOException {
        return launch(env, List.of(), args);
    }

    /**
     * Starts echoport on loopback with free echo and admin ports (in {@link #echoPort()} / {@link #adminPort()}) and
     * waits for its start-up line.
     */
    public static EchoportProcess start(Map<String, String> extraEnv, String... args) throws Exception {
        return start(extraEnv, List.of(), args);
    }

    /**
     * As {@link #start(Map, String...)}, with {@code wrapper} before the java command (e.g. {@code prlimit
     * --nofile=1024:1024}; prlimit execs java, so {@link #pid()} is still the JVM's).
     */
    public static EchoportProcess start(Map<String, String> extraEnv, List<String> wrapper, String... args)
            throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("ECHOPORT_HOST", "127.0.0.1");
        env.put("ECHOPORT_ADMIN_HOST", "127.0.0.1");
        env.put("ECHOPORT_PORT", String.valueOf(freePort()));
        env.put("ECHOPORT_ADMIN_PORT", String.valueOf(freePort()));
        env.putAll(extraEnv);
        EchoportProcess p = launch(env, wrapper, args);
        p.awaitStdout(l -> l.contains(STARTED), Duration.ofSeconds(30));
        return p;
    }

    /**
     * A loopback port that was free a moment ago, and never one this JVM's tests were given before. The kernel may
     * hand the same ephemeral port out again at once, and a test that asks for several (echo, admin, TLS, a
     * Prometheus beside them) would then give two listeners the same port (a clean-clone CI run: exit 2, "must
     * differ"). The one way tests pick a port for a process they start.
     */
    public static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    public int echoPort() {
        return Integer.parseInt(env.get("ECHOPORT_PORT"));
    }

    public int adminPort() {
        return Integer.parseInt(env.get("ECHOPORT_ADMIN_PORT"));
    }

    public InetSocketAddress echoAddress() {
        return new InetSocketAddress("127.0.0.1", echoPort());
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** Waits for a stdout line matching {@code p}; fails with everything printed so far if the process exits first. */
    public String awaitStdout(Predicate<String> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String l : stdout) {
                if (p.test(l)) {
                    return l;
                }
            }
            if (!process.isAlive() && process.waitFor(100, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("echoport exited " + process.exitValue() + " before the line; stdout="
                        + stdout + " stderr=" + stderr);
            }
            Thread.sleep(10); // polling a child's output: the reader thread has no event for us
        }
        throw new AssertionError("no such line within " + timeout + "; stdout=" + stdout + " stderr=" + stderr);
    }

    /** Sends a signal by name (TERM, HUP, ...) with kill(1). */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Waits for the process to end and returns its exit status. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("echoport still running after " + timeout + "; stdout=" + stdout);
        }
        return process.exitValue();
    }

    /** The last {@code n} WARN and ERROR lines (and exceptions) the process wrote: for failure messages. */
    public List<String> problems(int n) {
        List<String> lines = stdout.stream().filter(l -> l.contains(" WARN ") || l.contains(" ERROR ")
                || l.startsWith("java.") || l.startsWith("Caused by")).toList();
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }

    public List<String> stdout() {
        return stdout;
    }

    public List<String> stderr() {
        return stderr;
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static void pump(InputStream in, List<String> into, String name) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    into.add(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "echoport-child-" + name);
        t.setDaemon(true);
        t.start();
    }
}
