package dev.echoport.metrics;

import dev.echoport.testsupport.RunningEchoport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Grafana dashboard and the alert rules in config/ read only metrics echoport really exports (taken from a live
 * scrape after traffic), so neither can drift from the code; and the dashboard shows what the issue asks for.
 */
class DashboardAndAlertsMetricNamesTest {
    /** Made by Prometheus itself for every target, not by echoport. */
    private static final Set<String> PROMETHEUS_SYNTHETIC = Set.of("up");
    private static Set<String> exported;

    static Path configDir() {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../config").normalize();
        assertThat(dir.resolve("prometheus.yml")).as("config/ beside the service module").exists();
        return dir;
    }

    @BeforeAll
    static void scrapeAfterTraffic() throws IOException {
        try (RunningEchoport ep = RunningEchoport.start("admission.deny = [\"127.0.0.2/32\"]")) {
            try (Socket s = EchoClient.connect(ep.echoPort(), "127.0.0.1")) {
                EchoClient.roundTrip(s, new byte[]{1, 2, 3});
            }
            EchoClient.connectAndAwaitRefusal(ep.echoPort(), "127.0.0.2");
            exported = ep.awaitValue("echoport_connections_closed_total", Map.of("cause", "client"), 1).names();
        }
    }

    @Test
    void everyDashboardQueryReadsOnlyExportedMetrics() throws IOException {
        JsonNode dash = new ObjectMapper().readTree(configDir().resolve("grafana-dashboard.json").toFile());
        Map<String, String> queries = dashboardQueries(dash);
        assertThat(queries).hasSizeGreaterThan(10);
        assertOnlyExported(queries);
    }

    @Test
    void everyAlertRuleReadsOnlyExportedMetrics() throws IOException {
        JsonNode rules = new YAMLMapper().readTree(configDir().resolve("alerts.yml").toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (JsonNode group : rules.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                queries.put("alert " + rule.path("alert").asText(), rule.path("expr").asText());
            }
        }
        assertThat(queries.keySet()).contains("alert EchoportDown", "alert EchoportAtConnectionLimit",
                "alert EchoportRejectionRateHigh");
        assertOnlyExported(queries);
    }

    @Test
    void dashboardIsImportableAndShowsWhatTheIssueAsksFor() throws IOException {
        JsonNode dash = new ObjectMapper().readTree(configDir().resolve("grafana-dashboard.json").toFile());
        assertThat(dash.path("uid").asText()).isNotBlank();
        assertThat(dash.path("title").asText()).isNotBlank();
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : dash.path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("unique panel id %s", p.path("id")).isTrue();
            assertThat(p.path("gridPos").isObject()).as("gridPos of %s", p.path("title")).isTrue();
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("targets").size()).as("queries of panel %s", p.path("title")).isPositive();
            }
        }
        Set<String> used = new TreeSet<>();
        dashboardQueries(dash).values().forEach(q -> used.addAll(PromqlNames.of(q)));
        assertThat(used).contains("echoport_connections_active", "echoport_limits",
                "echoport_connections_accepted_total", "echoport_connections_rejected_total",
                "echoport_bytes_received_total", "echoport_bytes_sent_total", "echoport_echo_latency_seconds_bucket",
                "echoport_connection_duration_seconds_bucket", "netty_eventexecutor_tasks_pending",
                "echoport_backpressure_pauses_total", "echoport_transport_info");
        assertThat(String.join("\n", dashboardQueries(dash).values()))
                .contains("histogram_quantile(0.99, sum by (le) (rate(echoport_echo_latency_seconds_bucket");
    }

    @Test
    void nameExtractionSeesThroughPromqlSyntax() {
        assertThat(PromqlNames.of("histogram_quantile(0.99, sum by (le) (rate(a_bucket{x=\"y\", i=~\"$i\"}"
                + "[$__rate_interval])))")).containsExactly("a_bucket");
        assertThat(PromqlNames.of("b >= ignoring (kind) (c{kind=\"max\"} > 0) and on(instance) d offset 5m"))
                .containsExactly("b", "c", "d");
        assertThat(PromqlNames.of("label_values(e_info, instance)")).containsExactly("e_info");
        assertThat(PromqlNames.of("sum without (reason) (rate(f_total[5m])) > 1e3")).containsExactly("f_total");
    }

    private static void assertOnlyExported(Map<String, String> queries) {
        List<String> unknown = new ArrayList<>();
        queries.forEach((where, q) -> {
            for (String name : PromqlNames.of(q)) {
                if (!exported.contains(name) && !PROMETHEUS_SYNTHETIC.contains(name)) {
                    unknown.add(name + " (" + where + ": " + q.strip() + ")");
                }
            }
        });
        assertThat(unknown).as("metric names echoport does not export").isEmpty();
    }

    /** "panel title #refId" -> expression, for every panel target and every templating query. */
    static Map<String, String> dashboardQueries(JsonNode dash) {
        Map<String, String> queries = new LinkedHashMap<>();
        List<JsonNode> panels = new ArrayList<>();
        dash.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            JsonNode p = panels.get(i);
            p.path("panels").forEach(panels::add); // collapsed rows nest their panels
            for (JsonNode t : p.path("targets")) {
                queries.put("panel " + p.path("title").asText() + " #" + t.path("refId").asText(),
                        t.path("expr").asText());
            }
        }
        for (JsonNode v : dash.path("templating").path("list")) {
            if (v.path("type").asText().equals("query")) {
                JsonNode q = v.path("query");
                queries.put("variable " + v.path("name").asText(),
                        q.isObject() ? q.path("query").asText() : q.asText());
            }
        }
        return queries;
    }
}
