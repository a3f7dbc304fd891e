package dev.echoport.prometheus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** config/prometheus.yml and config/alerts.yml pass promtool's checks, and the alert unit tests pass (and can fail). */
class PromtoolTest {

    private static Binaries.Run promtool(Path dir, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Binaries.require("promtool").toString()));
        command.addAll(List.of(args));
        return Binaries.run(dir, command);
    }

    @Test
    void prometheusConfigIsValid() throws Exception {
        Binaries.Run r = promtool(Binaries.configDir().getParent(), "check", "config", "config/prometheus.yml");
        assertThat(r.exitCode()).as("promtool check config config/prometheus.yml:\n%s", r.output()).isZero();
        assertThat(r.output()).contains("1 rule files found");
    }

    @Test
    void alertRulesAreValid() throws Exception {
        Binaries.Run r = promtool(Binaries.configDir().getParent(), "check", "rules", "config/alerts.yml");
        assertThat(r.exitCode()).as("promtool check rules config/alerts.yml:\n%s", r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: 6 rules found");
    }

    @Test
    void alertUnitTestsPass() throws Exception {
        Binaries.Run r = promtool(Binaries.configDir().getParent(), "test", "rules", "config/alerts.test.yml");
        assertThat(r.exitCode()).as("promtool test rules config/alerts.test.yml:\n%s", r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS");
    }

    /** The unit tests are not vacuous: an alert that waits too long, or never fires, makes them fail. */
    @Test
    void alertUnitTestsCatchABrokenRule(@TempDir Path tmp) throws Exception {
        Path config = Binaries.configDir();
        Files.copy(config.resolve("alerts.test.yml"), tmp.resolve("alerts.test.yml"));
        String rules = Files.readString(config.resolve("alerts.yml"));
        String broken = rules.replace("expr: up{job=\"echoport\"} == 0\n        for: 1m",
                "expr: up{job=\"echoport\"} == 0\n        for: 10m").replace(") > 0.05", ") > 0.5");
        assertThat(broken).isNotEqualTo(rules);
        Files.writeString(tmp.resolve("alerts.yml"), broken);
        Binaries.Run r = promtool(tmp, "test", "rules", "alerts.test.yml");
        assertThat(r.exitCode()).as("promtool test rules with broken alerts:\n%s", r.output()).isNotZero();
        assertThat(r.output()).contains("alertname: EchoportDown").contains("alertname: EchoportRejectionRateHigh");
    }
}
