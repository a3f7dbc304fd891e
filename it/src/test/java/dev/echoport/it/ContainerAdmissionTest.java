package dev.echoport.it;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** max-connections set through the environment: connections over it are refused, the admitted ones keep echoing. */
class ContainerAdmissionTest {
    private static final int LIMIT = 5;
    private static final int OVER = 3;

    @Test
    void connectionsAboveTheEnvironmentLimitAreRefusedWhileAdmittedOnesKeepEchoing() throws Exception {
        String image = Prerequisites.dockerAndImage();
        List<EchoClient> admitted = new ArrayList<>();
        try (EchoportContainer echoport = new EchoportContainer(image)
                .withEnv("ECHOPORT_MAX_CONNECTIONS", String.valueOf(LIMIT))) {
            echoport.start();
            assertThat(echoport.metrics().value("echoport_limits", Map.of("kind", "max_connections")))
                    .as("limit from ECHOPORT_MAX_CONNECTIONS").isEqualTo(LIMIT);

            // A round trip on each proves the service (not just Docker's proxy) admitted it before the next connects.
            for (int i = 0; i < LIMIT; i++) {
                EchoClient client = new EchoClient(echoport.getHost(), echoport.echoPort());
                admitted.add(client);
                client.roundTrip(512);
            }
            for (int i = 0; i < OVER; i++) {
                try (EchoClient extra = new EchoClient(echoport.getHost(), echoport.echoPort())) {
                    assertThat(extra.refused()).as("connection %d over the limit is refused", i + 1).isTrue();
                }
            }
            for (EchoClient client : admitted) {
                client.roundTrip(4096);
            }

            PrometheusText metrics = Poll.until(Duration.ofSeconds(10), "rejections counted", echoport::metrics,
                    m -> m.valueOrZero("echoport_connections_rejected_total", Map.of("reason", "max_connections"))
                            == OVER);
            assertThat(metrics.value("echoport_connections_active")).isEqualTo(LIMIT);
            assertThat(metrics.value("echoport_connections_accepted_total")).isEqualTo(LIMIT);

            // A slot freed by a close is given to the next connection.
            admitted.remove(0).close();
            Poll.until(Duration.ofSeconds(10), "the closed connection leaves", echoport::metrics,
                    m -> m.value("echoport_connections_active") == LIMIT - 1);
            EchoClient replacement = new EchoClient(echoport.getHost(), echoport.echoPort());
            admitted.add(replacement);
            replacement.roundTrip(512);
        } finally {
            for (EchoClient client : admitted) {
                client.close();
            }
        }
    }
}
