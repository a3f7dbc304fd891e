package dev.echoport.it;

import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which I/O model the service gets inside the container: what `auto` picks under the engine's default seccomp
 * profile, under a profile that blocks io_uring (as Docker >= 25 does by default), and with a /tmp that forbids exec;
 * and that an explicit io_uring either runs or stops with the clear "not available" error.
 */
class ContainerTransportTest {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerTransportTest.class);
    private static final String IO_URING_UNAVAILABLE = "echoport.transport = io_uring: not available on this host";

    @Test
    void autoPicksANativeTransportAndExplicitIoUringRunsOrFailsClearly() throws Exception {
        String image = Prerequisites.dockerAndImage();
        String autoChose;
        try (EchoportContainer echoport = new EchoportContainer(image)) {
            echoport.start();
            autoChose = activeTransport(echoport, "auto");
            LOG.info("auto chose {} under the engine's default seccomp profile", autoChose);
            assertThat(autoChose).as("a native transport (the natives load from the exec tmpfs)")
                    .isIn("io_uring", "epoll");
            assertThat(echoport.logText()).contains(EchoportContainer.STARTED_LINE + autoChose + " (auto");
            new EchoClient(echoport.getHost(), echoport.echoPort()).roundTripAndClose();
        }

        boolean ioUringRan = runsOrFailsClearly(image, null);
        LOG.info("explicit io_uring under the engine's default seccomp profile: {}",
                ioUringRan ? "runs" : "unavailable");
        assertThat(ioUringRan).as("explicit io_uring runs exactly when auto chose it")
                .isEqualTo(autoChose.equals("io_uring"));
    }

    @Test
    void whereSeccompBlocksIoUringAutoFallsBackToEpollAndExplicitIoUringFailsClearly() throws Exception {
        String image = Prerequisites.dockerAndImage();
        String profile = Files.readString(Path.of(System.getProperty("echoport.seccomp.block-io-uring",
                "../docker/seccomp-block-io_uring.json")));
        try (EchoportContainer echoport = new EchoportContainer(image).withSeccompProfile(profile)) {
            echoport.start();
            assertThat(activeTransport(echoport, "auto")).isEqualTo("epoll");
            assertThat(echoport.logText()).contains("passed over io_uring: not available on this host");
            new EchoClient(echoport.getHost(), echoport.echoPort()).roundTripAndClose();
        }
        assertThat(runsOrFailsClearly(image, profile)).as("explicit io_uring under a profile that blocks it").isFalse();
    }

    @Test
    void withANoexecTmpTheNativesCannotLoadAndAutoFallsBackToNio() throws Exception {
        String image = Prerequisites.dockerAndImage();
        try (EchoportContainer echoport = new EchoportContainer(image).withTmpOptions("rw,noexec,mode=1777")) {
            echoport.start();
            assertThat(activeTransport(echoport, "auto")).isEqualTo("nio");
            assertThat(echoport.logText()).contains("epoll: not available on this host")
                    .contains("failed to map segment from shared object");
            new EchoClient(echoport.getHost(), echoport.echoPort()).roundTripAndClose();
        }
    }

    /**
     * Starts the image with ECHOPORT_TRANSPORT=io_uring; true if it serves on io_uring, false if it exits 2 clearly.
     */
    private static boolean runsOrFailsClearly(String image, String seccompProfile) throws Exception {
        try (EchoportContainer echoport = new EchoportContainer(image).withEnv("ECHOPORT_TRANSPORT", "io_uring")) {
            if (seccompProfile != null) {
                echoport.withSeccompProfile(seccompProfile);
            }
            echoport.withStartupCheckStrategy(StartedOrExited.runningOrExited())
                    .waitingFor(StartedOrExited.startedLineOrExit(Duration.ofSeconds(90)));
            echoport.start();
            if (echoport.engineState().getRunning()) {
                Poll.until(Duration.ofSeconds(30), "readiness", () -> echoport.adminStatus("/health/ready"),
                        status -> status == 200);
                assertThat(activeTransport(echoport, "io_uring")).isEqualTo("io_uring");
                new EchoClient(echoport.getHost(), echoport.echoPort()).roundTripAndClose();
                return true;
            }
            assertThat(echoport.engineState().getExitCodeLong()).as("exit status of an unavailable transport")
                    .isEqualTo(2L);
            String log = echoport.getLogs();
            assertThat(log).contains(IO_URING_UNAVAILABLE).doesNotContain(EchoportContainer.STARTED_LINE);
            LOG.info("explicit io_uring refused: {}", log.lines().filter(l -> l.contains(IO_URING_UNAVAILABLE))
                    .findFirst().orElseThrow());
            return false;
        }
    }

    private static String activeTransport(EchoportContainer echoport, String requested) throws Exception {
        Map<String, String> info = echoport.metrics().labels("echoport_transport_info");
        assertThat(info).containsEntry("requested", requested);
        assertThat(info.get("active")).isIn(Set.of("io_uring", "epoll", "nio", "oio"));
        return info.get("active");
    }
}
