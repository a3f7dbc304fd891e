package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.cli.LoadgenMain;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A server under test in a process of its own: echoport (its jar, or its Main from this classpath) configured through
 * its environment variables and settings, the minimal or the canonical Netty echo server, or the C epoll echo server.
 * Started ready (or failed), stopped with SIGTERM.
 */
final class ServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120); // a JVM starts slowly on a busy shared host
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

    private final ServerSpec spec;
    private final int port;
    private final int adminPort;
    private final Process process;
    private final Path log;

    private ServerProcess(ServerSpec spec, int port, int adminPort, Process process, Path log) {
        this.spec = spec;
        this.port = port;
        this.adminPort = adminPort;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the server and waits until it is ready: echoport's /health/ready answers 200, the others accept a
     * connection. {@code echoportJar} empty: run echoport's Main from this JVM's classpath.
     *
     * @param jvmProperties extra {@code -D} settings for echoport (e.g. its TLS and UDP listeners)
     * @param cServer       the compiled C echo server, for {@link ServerKind#C}
     */
    static ServerProcess start(ServerSpec spec, int port, int adminPort, Optional<Path> echoportJar, Path logDir,
            List<String> jvmProperties, Path cServer) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        ProcessBuilder pb = new ProcessBuilder();
        Map<String, String> env = pb.environment();
        switch (spec.kind()) {
            case ECHOPORT -> {
                cmd.add(java);
                cmd.addAll(jvmProperties);
                cmd.addAll(spec.jvmArguments());
                if (echoportJar.isPresent()) {
                    cmd.addAll(List.of("-jar", echoportJar.get().toString()));
                } else {
                    cmd.addAll(List.of("-cp", classpath, "dev.echoport.Main"));
                }
                env.put("ECHOPORT_HOST", "127.0.0.1");
                env.put("ECHOPORT_PORT", String.valueOf(port));
                env.put("ECHOPORT_ADMIN_HOST", "127.0.0.1");
                env.put("ECHOPORT_ADMIN_PORT", String.valueOf(adminPort));
                env.put("ECHOPORT_TRANSPORT", spec.transport());
                env.put("ECHOPORT_MAX_CONNECTIONS", "20000");
                env.put("ECHOPORT_SHUTDOWN_GRACE_PERIOD", "1s");
                env.putAll(spec.env());
            }
            case MINIMAL -> cmd.addAll(List.of(java, "-cp", classpath, LoadgenMain.class.getName(), "echo-server",
                    "--transport", spec.transport(), "--port", String.valueOf(port)));
            case CANONICAL -> cmd.addAll(List.of(java, "-cp", classpath, CanonicalEchoServer.class.getName(),
                    spec.transport(), String.valueOf(port)));
            case C -> {
                if (cServer == null) {
                    throw new IOException("the C echo server was not built");
                }
                cmd.addAll(List.of(cServer.toString(), "-p", String.valueOf(port)));
            }
        }
        Path log = logDir.resolve(spec.label().replace(' ', '-') + ".log");
        pb.command(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        ServerProcess server = new ServerProcess(spec, port, adminPort, pb.start(), log);
        try {
            server.awaitReady();
        } catch (IOException | RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * Ready = still running, its own start-up line logged (so a port taken by someone else's server, which would
     * answer the probes below, is never mistaken for ours: ours fails to bind and exits), and answering.
     */
    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String marker = spec.kind() == ServerKind.ECHOPORT ? " started: " : "listening on ";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(describe() + " exited with status " + process.exitValue() + " before it was"
                        + " ready: " + lastLines());
            }
            if (Files.readString(log).contains(marker)
                    && (spec.kind() == ServerKind.ECHOPORT ? healthReady() : accepts())) {
                return;
            }
            Thread.sleep(50); // polling another process's state, with a deadline
        }
        throw new IOException(describe() + " not ready within " + START_TIMEOUT.toSeconds() + " s: " + lastLines());
    }

    private boolean healthReady() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + adminPort + "/health/ready")
                    .toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(1000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private boolean accepts() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private String lastLines() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    int adminPort() {
        return adminPort;
    }

    String describe() {
        return spec.label();
    }

    ServerSpec spec() {
        return spec;
    }

    /** SIGTERM, then wait; SIGKILL only if it does not stop in time. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }
}
