package dev.echoport.loadgen.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark's C programs (bench/c/echo_server.c and echo_client.c, carried in loadgen's jar), compiled at bench
 * time with the host's C compiler ({@code $CC}, else {@code cc}). Without a compiler, or on a host where they do not
 * build (they need Linux's epoll), the C rows are skipped and {@link #unavailableReason()} says why.
 */
final class CTools {
    private static final String SOURCES = "/dev/echoport/loadgen/bench/c/";

    private final Path server;
    private final Path client;
    private final String unavailableReason;

    private CTools(Path server, Path client, String unavailableReason) {
        this.server = server;
        this.client = client;
        this.unavailableReason = unavailableReason;
    }

    /** Compiles both programs into {@code dir}; never throws: a failure is the reason the C rows are skipped. */
    static CTools build(Path dir) throws InterruptedException {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return unavailable("the C programs use epoll, Linux only (this is " + System.getProperty("os.name") + ")");
        }
        String cc = Optional.ofNullable(System.getenv("CC")).filter(s -> !s.isBlank()).orElse("cc");
        try {
            Path server = compile(cc, dir, "echo_server", List.of("-pthread"));
            Path client = compile(cc, dir, "echo_client", List.of());
            return new CTools(server, client, null);
        } catch (IOException e) {
            return unavailable(e.getMessage());
        }
    }

    static CTools unavailable(String reason) {
        return new CTools(null, null, reason);
    }

    private static Path compile(String cc, Path dir, String name, List<String> flags)
            throws IOException, InterruptedException {
        Path source = dir.resolve(name + ".c");
        try (InputStream in = CTools.class.getResourceAsStream(SOURCES + name + ".c")) {
            if (in == null) {
                throw new IOException("bench/c/" + name + ".c is not in loadgen's jar (rebuild loadgen)");
            }
            Files.copy(in, source);
        }
        Path binary = dir.resolve(name);
        List<String> cmd = new ArrayList<>(List.of(cc, "-O2", "-o", binary.toString(), source.toString()));
        cmd.addAll(flags);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("no C compiler (" + cc + ": " + e.getMessage() + ")", e);
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(cc + " could not build " + name + ".c: "
                    + out.lines().findFirst().orElse("exit " + p.exitValue()));
        }
        return binary;
    }

    boolean available() {
        return unavailableReason == null;
    }

    /** Why the C rows are skipped; null when they are not. */
    String unavailableReason() {
        return unavailableReason;
    }

    Path server() {
        return server;
    }

    Path client() {
        return client;
    }
}
