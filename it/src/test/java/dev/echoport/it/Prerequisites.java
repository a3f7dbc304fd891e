package dev.echoport.it;

import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether a test that needs Docker (and the echoport image) or kubectl can run: it is skipped with the reason
 * when the tool is missing, unless -Dechoport-test.require.docker=true / -Dechoport-test.require.kubectl=true (CI)
 * makes that a failure.
 */
final class Prerequisites {
    private Prerequisites() {
    }

    /**
     * The image the container tests start: -Dechoport-test.image, default echoport:local (docker/build.sh builds it).
     */
    static String image() {
        String image = System.getProperty("echoport-test.image", "");
        return image.isBlank() ? "echoport:local" : image;
    }

    /** Returns the image name once Docker answers and the image exists; skips (or fails when required) otherwise. */
    static String dockerAndImage() {
        boolean required = Boolean.getBoolean("echoport-test.require.docker");
        if (!dockerAvailable()) {
            unavailable(required, "no Docker engine answers (start one: docker/ensure-docker.sh)");
        }
        String image = image();
        try {
            DockerClientFactory.instance().client().inspectImageCmd(image).exec();
        } catch (RuntimeException e) {
            unavailable(required, "image " + image + " is not built (build it: docker/build.sh)");
        }
        return image;
    }

    /** Returns the kubectl executable once found on PATH; skips (or fails when required) otherwise. */
    static String kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        unavailable(Boolean.getBoolean("echoport-test.require.kubectl"), "kubectl is not on PATH");
        throw new AssertionError("unreachable");
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void unavailable(boolean required, String reason) {
        if (required) {
            throw new AssertionError(reason + " and the run requires it (echoport-test.require.* = true)");
        }
        throw new TestAbortedException(reason);
    }

    /** Runs a short command and returns its stdout; fails with its stderr if it exits non-zero. */
    static String run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("echoport-it", ".err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": "
                        + Files.readString(err).strip());
            }
            return out;
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(err);
        }
    }
}
