package dev.echoport.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import dev.echoport.Echoport;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * End to end with a real Prometheus binary: it scrapes an in-process echoport every second; after known traffic
 * (7 connections, 12345 bytes) its query API must show exactly those counts and {@code up == 1}. It also loads the
 * real alert rules (each must evaluate without error) and runs every dashboard query.
 */
class RealPrometheusTest {
    private static final int CONNECTIONS = 7;
    private static final int BYTES = 12_345;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void prometheusScrapesTheTrueCounts(@TempDir Path tmp) throws Exception {
        Path binary = Binaries.require("prometheus");
        Settings settings = SettingsLoader.fromConfig(ConfigFactory.parseString(
                        "echoport { host = \"127.0.0.1\", port = 0, admin.port = 0 }")
                .withFallback(SettingsLoader.defaults()).resolve())
                .withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
        try (Echoport echoport = new Echoport(settings, Optional.empty()).start()) {
            int adminPort = echoport.admin().orElseThrow().localAddress().getPort();
            String config = """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    rule_files:
                      - %s
                    scrape_configs:
                      - job_name: echoport
                        static_configs:
                          - targets: ["127.0.0.1:%d"]
                    """.formatted(Binaries.configDir().resolve("alerts.yml"), adminPort);
            try (PrometheusServer prometheus = PrometheusServer.start(binary, tmp, config)) {
                String target = "{job=\"echoport\", instance=\"127.0.0.1:" + adminPort + "\"}";
                awaitValue(prometheus, "up" + target, 1);
                driveTraffic(echoport.server().port());

                awaitValue(prometheus, "echoport_connections_accepted_total" + target, CONNECTIONS);
                awaitValue(prometheus, "echoport_bytes_received_total" + target, BYTES);
                awaitValue(prometheus, "echoport_bytes_sent_total" + target, BYTES);
                awaitValue(prometheus, "echoport_connections_closed_total{cause=\"client\"}", CONNECTIONS);
                awaitValue(prometheus, "sum(echoport_connections_rejected_total" + target + ")", 0);
                awaitValue(prometheus, "up" + target, 1);

                assertAlertRulesEvaluateCleanly(prometheus);
                assertDashboardQueriesRun(prometheus);
            }
        }
    }

    /** 7 connections that together echo exactly 12345 bytes, each closed by the client. */
    private static void driveTraffic(int port) throws IOException {
        byte[] all = new byte[BYTES];
        new Random(7).nextBytes(all);
        int per = BYTES / CONNECTIONS;
        for (int i = 0; i < CONNECTIONS; i++) {
            int from = i * per;
            int to = i == CONNECTIONS - 1 ? BYTES : from + per;
            byte[] chunk = Arrays.copyOfRange(all, from, to);
            try (Socket s = new Socket()) {
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.getOutputStream().write(chunk);
                byte[] back = s.getInputStream().readNBytes(chunk.length);
                assertThat(Arrays.equals(back, chunk)).as("echo of connection %d", i).isTrue();
            }
        }
    }

    /** Polls the query until its single sample equals {@code expected}; fails with the last answer. */
    private static void awaitValue(PrometheusServer prometheus, String promql, double expected) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<JsonNode> last;
        do {
            last = prometheus.query(promql);
            if (last.size() == 1 && last.get(0).path("value").get(1).asDouble() == expected) {
                return;
            }
            Thread.sleep(200); // polling an external process
        } while (System.nanoTime() < deadline);
        fail("Prometheus never answered " + expected + " for " + promql + " within " + DEADLINE.toSeconds()
                + " s; last answer: " + last + "\nprometheus log:\n" + prometheus.log());
    }

    /** Every rule of config/alerts.yml is loaded and, once evaluated against real echoport data, healthy. */
    private static void assertAlertRulesEvaluateCleanly(PrometheusServer prometheus) throws Exception {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        List<JsonNode> rules;
        do {
            rules = new ArrayList<>();
            for (JsonNode group : prometheus.api("/api/v1/rules").path("groups")) {
                group.path("rules").forEach(rules::add);
            }
            if (rules.stream().noneMatch(r -> r.path("health").asText().equals("unknown"))) {
                break;
            }
            Thread.sleep(200); // polling an external process
        } while (System.nanoTime() < deadline);
        assertThat(rules).extracting(r -> r.path("name").asText()).containsExactlyInAnyOrder("EchoportDown",
                "EchoportAtConnectionLimit", "EchoportRejectionRateHigh", "EchoportEventLoopBacklog",
                "EchoportOverloaded", "EchoportFaultsInjected");
        for (JsonNode r : rules) {
            assertThat(r.path("health").asText()).as("health of rule %s: %s", r.path("name"), r.path("lastError"))
                    .isEqualTo("ok");
            assertThat(r.path("state").asText()).as("rule %s on a healthy instance", r.path("name"))
                    .isEqualTo("inactive");
        }
    }

    /** Every query of the Grafana dashboard is valid PromQL that Prometheus can run; the info panel has data. */
    private static void assertDashboardQueriesRun(PrometheusServer prometheus) throws Exception {
        JsonNode dash = new ObjectMapper().readTree(Binaries.configDir().resolve("grafana-dashboard.json").toFile());
        List<String> exprs = new ArrayList<>();
        List<JsonNode> panels = new ArrayList<>();
        dash.path("panels").forEach(panels::add);
        for (int i = 0; i < panels.size(); i++) {
            panels.get(i).path("panels").forEach(panels::add);
            panels.get(i).path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        assertThat(exprs).isNotEmpty();
        Map<String, String> grafanaVariables = Map.of("$__rate_interval", "1m", "$instance", ".*");
        for (String expr : exprs) {
            String q = expr;
            for (var v : grafanaVariables.entrySet()) {
                q = q.replace(v.getKey(), v.getValue());
            }
            assertThat(q).as("dashboard query with an unknown variable").doesNotContain("$");
            List<JsonNode> result = prometheus.query(q); // fails unless Prometheus accepts and runs it
            if (expr.startsWith("echoport_transport_info")) {
                assertThat(result).as("transport info series").hasSize(1);
            }
        }
    }
}
