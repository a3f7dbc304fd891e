package dev.echoport.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

import java.time.Duration;

/**
 * For a container that may legitimately refuse to start (an explicit transport the host cannot run): start() returns
 * once the service logged its start-up line or the process exited, whichever comes first; the test then looks at
 * which one happened.
 */
final class StartedOrExited {
    private StartedOrExited() {
    }

    /** Accepts a running or an exited container (the default check fails on a non-zero exit). */
    static StartupCheckStrategy runningOrExited() {
        return new StartupCheckStrategy() {
            @Override
            public StartupStatus checkStartupState(DockerClient client, String containerId) {
                InspectContainerResponse.ContainerState state = getCurrentState(client, containerId);
                if (Boolean.TRUE.equals(state.getRunning()) || "exited".equals(state.getStatus())) {
                    return StartupStatus.SUCCESSFUL;
                }
                return StartupStatus.NOT_YET_KNOWN;
            }
        };
    }

    /** Waits for the start-up line or for the process to end. */
    static AbstractWaitStrategy startedLineOrExit(Duration timeout) {
        return new AbstractWaitStrategy() {
            @Override
            protected void waitUntilReady() {
                try {
                    Poll.until(timeout, "the start-up line or an exit",
                            () -> waitStrategyTarget.isRunning() ? waitStrategyTarget.getLogs() : "exited",
                            text -> text.equals("exited") || text.contains(EchoportContainer.STARTED_LINE));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for the container", e);
                }
            }
        };
    }
}
