package dev.echoport.metrics;

import dev.echoport.testsupport.Exposition;
import dev.echoport.testsupport.RunningEchoport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code echoport.metrics.common-tags} label every series: echoport's own, Netty's, JVM and process. */
class CommonTagsTest {

    @Test
    void everySeriesCarriesTheConfiguredCommonTags() {
        try (RunningEchoport ep = RunningEchoport.start("metrics.common-tags { pod = \"echo-7f9c\", zone = \"a\" }")) {
            Exposition e = ep.scrape();
            assertThat(e.names()).contains("echoport_connections_accepted_total", "netty_eventexecutor_tasks_pending",
                    "jvm_memory_used_bytes", "process_files_open_files");
            for (Exposition.Sample s : e.samples()) {
                assertThat(s.labels()).as("labels of %s", s.name()).containsEntry("pod", "echo-7f9c")
                        .containsEntry("zone", "a");
            }
        }
    }
}
