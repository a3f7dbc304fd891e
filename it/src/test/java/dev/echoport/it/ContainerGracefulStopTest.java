package dev.echoport.it;

import com.github.dockerjava.api.command.InspectContainerResponse;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * `docker stop` (SIGTERM, then a kill only after the timeout) during traffic: readiness turns 503, established
 * connections keep echoing and finish, the JVM exits 0 well within the grace period.
 */
class ContainerGracefulStopTest {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerGracefulStopTest.class);
    private static final int CONNECTIONS = 20;
    private static final int GRACE_SECONDS = 10;
    private static final int STOP_TIMEOUT_SECONDS = 30;
    private static final int ROUND_TRIPS_AFTER_503 = 5;

    @Test
    void sigtermDrainsEstablishedConnectionsAndExitsZero() throws Exception {
        String image = Prerequisites.dockerAndImage();
        ExecutorService workers = Executors.newFixedThreadPool(CONNECTIONS + 1);
        try (EchoportContainer echoport = new EchoportContainer(image)
                .withEnv("ECHOPORT_SHUTDOWN_GRACE_PERIOD", GRACE_SECONDS + "s")) {
            echoport.start();

            AtomicBoolean readinessWent503 = new AtomicBoolean();
            AtomicLong roundTrips = new AtomicLong();
            List<Future<Long>> clients = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                EchoClient client = new EchoClient(echoport.getHost(), echoport.echoPort());
                clients.add(workers.submit(() -> {
                    try (client) {
                        long done = 0;
                        while (!readinessWent503.get()) {
                            client.roundTrip(512);
                            roundTrips.incrementAndGet();
                            done++;
                        }
                        // Draining: this established connection still gets its echoes, then leaves by itself.
                        for (int n = 0; n < ROUND_TRIPS_AFTER_503; n++) {
                            client.roundTrip(512);
                            done++;
                        }
                        return done;
                    }
                }));
            }
            Poll.until(Duration.ofSeconds(20), "traffic on every connection", roundTrips::get,
                    n -> n >= CONNECTIONS * 10L);

            String id = echoport.getContainerId();
            long stopStart = System.nanoTime();
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> DockerClientFactory.instance().client()
                    .stopContainerCmd(id).withTimeout(STOP_TIMEOUT_SECONDS).exec(), workers);

            Poll.until(Duration.ofSeconds(GRACE_SECONDS), "/health/ready to answer 503 after SIGTERM",
                    () -> echoport.adminStatus("/health/ready"), status -> status == 503);
            readinessWent503.set(true);
            LOG.info("readiness 503 {} ms after docker stop", (System.nanoTime() - stopStart) / 1_000_000);

            long total = 0;
            for (Future<Long> client : clients) {
                total += client.get(GRACE_SECONDS, TimeUnit.SECONDS);
            }
            stop.get(STOP_TIMEOUT_SECONDS + 10, TimeUnit.SECONDS);
            InspectContainerResponse.ContainerState state = echoport.engineState();
            long stopMillis = (System.nanoTime() - stopStart) / 1_000_000;
            LOG.info("{} verified round trips; stopped {} ms after docker stop, exit code {}", total, stopMillis,
                    state.getExitCodeLong());

            assertThat(state.getRunning()).isFalse();
            assertThat(state.getOOMKilled()).isFalse();
            assertThat(state.getExitCodeLong()).as("exit code after SIGTERM").isZero();
            assertThat(stopMillis).as("stopped within the grace period").isLessThan(GRACE_SECONDS * 1000L);
            String log = echoport.getLogs();
            assertThat(log).contains("received SIGTERM")
                    .contains(CONNECTIONS + " of " + CONNECTIONS
                            + " open connections ended within the grace period, 0 closed at its end")
                    .contains("stopped");
        } finally {
            workers.shutdownNow();
            assertThat(workers.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }
}
