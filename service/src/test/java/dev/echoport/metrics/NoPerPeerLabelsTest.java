package dev.echoport.metrics;

import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** No label in /metrics takes a per-client or per-connection value: the series set does not grow with clients. */
class NoPerPeerLabelsTest {

    @Test
    void noLabelCarriesAPeerAddressOrPortAndTheSeriesSetDoesNotGrowWithClients() throws IOException {
        try (RunningEchoport ep = RunningEchoport.start("admission.deny = [\"127.0.0.3/32\"]")) {
            Set<String> seriesBefore = echoportSeries(ep.scrape());
            List<Socket> open = new ArrayList<>();
            Set<String> clientPorts = new TreeSet<>();
            try {
                for (String source : List.of("127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2")) {
                    Socket s = EchoClient.connect(ep.echoPort(), source);
                    open.add(s);
                    clientPorts.add(String.valueOf(s.getLocalPort()));
                    EchoClient.roundTrip(s, new byte[]{3});
                }
                EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.3");
                Exposition whileOpen = ep.awaitValue("echoport_connections_active", open.size());
                assertNoPeerValues(whileOpen, clientPorts);
                assertThat(echoportSeries(whileOpen)).as("echoport series with 4 open connections from 2 addresses")
                        .isEqualTo(seriesBefore);
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
            Exposition after = ep.awaitValue("echoport_connections_active", 0);
            assertNoPeerValues(after, clientPorts);
            assertThat(echoportSeries(after)).isEqualTo(seriesBefore);
        }
    }

    private static void assertNoPeerValues(Exposition e, Set<String> clientPorts) {
        for (Exposition.Sample s : e.samples()) {
            for (var label : s.labels().entrySet()) {
                assertThat(label.getValue()).as("%s{%s}", s.name(), label.getKey())
                        .doesNotContain("127.0.0.").doesNotContain("localhost").doesNotContain("/")
                        .isNotIn(clientPorts);
            }
        }
    }

    /** Name and labels of every echoport_* series. */
    private static Set<String> echoportSeries(Exposition e) {
        Set<String> series = new TreeSet<>();
        for (Exposition.Sample s : e.samples()) {
            if (s.name().startsWith("echoport_")) {
                series.add(s.name() + s.labels());
            }
        }
        return series;
    }
}
