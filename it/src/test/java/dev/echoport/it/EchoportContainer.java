package dev.echoport.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The echoport image as run in production: read-only root filesystem, /tmp an exec-capable tmpfs for Netty's native
 * library, echo and admin ports mapped, ready once /health/ready answers 200 (not when the port opens: Docker's
 * proxy listens before the service does), its log sent to slf4j and kept for assertions.
 */
final class EchoportContainer extends GenericContainer<EchoportContainer> {
    static final int ECHO_PORT = 7007;
    static final int ADMIN_PORT = 8081;
    static final String STARTED_LINE = "started: transport ";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    EchoportContainer(String image) {
        super(DockerImageName.parse(image));
        withExposedPorts(ECHO_PORT, ADMIN_PORT);
        withTmpFs(Map.of("/tmp", "rw,exec,mode=1777"));
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true));
        withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("tc." + image)));
        waitingFor(Wait.forHttp("/health/ready").forPort(ADMIN_PORT).forStatusCode(200)
                .withStartupTimeout(Duration.ofSeconds(90)));
    }

    /** /tmp mounted with these tmpfs options instead (e.g. "rw,noexec" to show what a noexec /tmp does). */
    EchoportContainer withTmpOptions(String options) {
        withTmpFs(Map.of("/tmp", options));
        return this;
    }

    /** Runs under this seccomp profile (the JSON text, as `docker run --security-opt seccomp=FILE` sends it). */
    EchoportContainer withSeccompProfile(String profileJson) {
        withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withSecurityOpts(List.of("seccomp=" + profileJson)));
        return this;
    }

    int echoPort() {
        return getMappedPort(ECHO_PORT);
    }

    /**
     * Everything the container wrote so far, stdout and stderr, read from Docker now. Not a log consumer's copy: that
     * follows the stream on its own thread and can lag the readiness probe, so a line written before "ready" may not
     * be in it yet (a clean-clone CI run read it empty).
     */
    String logText() {
        return getLogs();
    }

    /** The HTTP status of an admin path (e.g. /health/ready), fetched through the mapped admin port. */
    int adminStatus(String path) throws IOException, InterruptedException {
        return get(path).statusCode();
    }

    PrometheusText metrics() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode());
        }
        return PrometheusText.parse(response.body());
    }

    /** A fresh look at the container's state from the engine (not the cached start-time info). */
    InspectContainerResponse.ContainerState engineState() {
        return DockerClientFactory.instance().client().inspectContainerCmd(getContainerId()).exec().getState();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://" + getHost() + ":" + getMappedPort(ADMIN_PORT) + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
