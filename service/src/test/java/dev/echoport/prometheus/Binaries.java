package dev.echoport.prometheus;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Finds the Prometheus binaries on PATH and runs them. Absent binaries skip a test with the reason, unless the system
 * property {@code echoport-test.require.prometheus=true} is set, or the environment variable {@code CI=true} (CI sets
 * both): then they fail it.
 */
final class Binaries {
    static final String REQUIRE_PROPERTY = "echoport-test.require.prometheus";

    private Binaries() {
    }

    /** The executable {@code name} on PATH, or the test is skipped (or failed, when required). */
    static Path require(String name) {
        Optional<Path> found = onPath(name);
        if (found.isEmpty()) {
            String reason = name + " is not on PATH (" + System.getenv("PATH") + "); install it with "
                    + "'apt-get install prometheus' (Debian) to run this test";
            if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
                fail(reason + ", and -D" + REQUIRE_PROPERTY + "=true requires it");
            }
            if ("true".equals(System.getenv("CI"))) {
                fail(reason + ", and CI=true requires it: CI must not skip the Prometheus tests");
            }
            assumeTrue(false, reason);
        }
        return found.get();
    }

    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The repository's config/ directory (tests run in the service module). */
    static Path configDir() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../config").normalize();
        assertThat(dir.resolve("prometheus.yml")).as("config/ beside the service module").exists();
        return dir;
    }

    /** Result of a finished command: exit status and its output (stdout and stderr together). */
    record Run(int exitCode, String output) {
    }

    /** Runs {@code command} in {@code dir} and waits for it (60 s at most, then it is killed and the test fails). */
    static Run run(Path dir, List<String> command) throws IOException, InterruptedException {
        return run(dir, command, null);
    }

    /** {@link #run(Path, List)} with {@code stdin} (a file, or null for none) as the command's standard input. */
    static Run run(Path dir, List<String> command, Path stdin) throws IOException, InterruptedException {
        Path out = Files.createTempFile("echoport-cmd", ".log");
        ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile());
        if (stdin != null) {
            b.redirectInput(stdin.toFile());
        }
        Process p = b.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                fail(String.join(" ", command) + " did not finish within 60 s; output:\n"
                        + Files.readString(out, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }
}
