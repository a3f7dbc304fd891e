package dev.echoport.it;

import dev.echoport.loadgen.LoadGenerator;
import dev.echoport.loadgen.LoadOptions;
import dev.echoport.loadgen.LoadReport;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The image under load from the host, through the mapped port: loadgen verifies every echoed byte, and the
 * service's own /metrics must count exactly what loadgen counted.
 */
class ContainerLoadTest {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerLoadTest.class);

    /** -Dechoport.it.load.connections / .size / .seconds change the load (defaults: 200 x 512 B for 20 s). */
    private static final int CONNECTIONS = Integer.getInteger("echoport.it.load.connections", 200);
    private static final int SIZE = Integer.getInteger("echoport.it.load.size", 512);
    private static final int SECONDS = Integer.getInteger("echoport.it.load.seconds", 20);

    @Test
    void loadIsEchoedExactlyAndMetricsAgreeWithTheClient() throws Exception {
        String image = Prerequisites.dockerAndImage();
        try (EchoportContainer echoport = new EchoportContainer(image)) {
            long startNanos = System.nanoTime();
            echoport.start();
            LOG.info("container ready (/health/ready 200) {} ms after start was called",
                    (System.nanoTime() - startNanos) / 1_000_000);

            LoadOptions options = LoadOptions.defaults(echoport.getHost(), echoport.echoPort())
                    .withConnections(CONNECTIONS)
                    .withMessageSize(SIZE)
                    .withDuration(Duration.ofSeconds(SECONDS))
                    .withWarmup(Duration.ofSeconds(2));
            LoadReport report = LoadGenerator.run(options);
            LOG.info("loadgen report: {}", report.toJson());

            assertThat(report.connectionsOpened()).as("connections opened").isEqualTo(CONNECTIONS);
            assertThat(report.connectFailures()).as("connect failures").isZero();
            assertThat(report.resets()).as("resets").isZero();
            assertThat(report.mismatches()).as("mismatches").isZero();
            assertThat(report.roundTrips()).as("round trips").isPositive();
            assertThat(report.totalBytesReceived()).as("bytes echoed = bytes sent")
                    .isEqualTo(report.totalBytesSent());

            // loadgen has closed its connections; the service sees the closes a moment later.
            PrometheusText metrics = Poll.until(Duration.ofSeconds(15), "all connections closed on the server",
                    echoport::metrics, m -> m.value("echoport_connections_active") == 0);
            assertThat((long) metrics.value("echoport_connections_accepted_total"))
                    .as("server accepted_total vs loadgen connections").isEqualTo(report.connectionsOpened());
            assertThat((long) metrics.value("echoport_connections_closed_total", Map.of("cause", "client")))
                    .as("server closed_total{cause=client}").isEqualTo(report.connectionsOpened());
            assertThat((long) metrics.value("echoport_bytes_received_total"))
                    .as("server bytes_received_total vs loadgen bytes sent").isEqualTo(report.totalBytesSent());
            assertThat((long) metrics.value("echoport_bytes_sent_total"))
                    .as("server bytes_sent_total vs loadgen bytes received").isEqualTo(report.totalBytesReceived());
            assertThat(metrics.valueOrZero("echoport_connections_rejected_total", Map.of())).as("rejected").isZero();
            LOG.info("metrics agree: accepted={} bytes_received={} bytes_sent={}; transport {}",
                    (long) metrics.value("echoport_connections_accepted_total"),
                    (long) metrics.value("echoport_bytes_received_total"),
                    (long) metrics.value("echoport_bytes_sent_total"),
                    metrics.labels("echoport_transport_info"));
        }
    }
}
