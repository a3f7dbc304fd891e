package dev.echoport.reliability;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.echoport.config.SettingsException;
import dev.echoport.config.SettingsLoader;
import dev.echoport.testsupport.EchoportProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every key with a value of the wrong type, out of range and malformed: refused with one line naming the key. The
 * whole matrix goes through the loader; a sample (all of it with the heavy flag) through the real process, which must
 * exit 2 with that one line on stderr and never bind.
 */
class BadConfigurationMatrixTest {
    /** key (under echoport), then bad values: wrong type, out of range, malformed (HOCON literals). */
    static final List<List<String>> MATRIX = List.of(
            List.of("host", "{ a = 1 }", "\"\"", "[]"),
            List.of("port", "\"seven\"", "70000", "\"80x\"", "[]", "[9000, 9000]", "\"9000,,70000\""),
            List.of("transport", "{ }", "\"carrier-pigeon\"", "\"\""),
            List.of("io-threads", "\"many\"", "-1", "5000", "\"1.5\""),
            List.of("listeners", "\"two\"", "0", "300"),
            List.of("socket.backlog", "\"deep\"", "0", "70000"),
            List.of("socket.tcp-nodelay", "[]", "2", "\"yes please\""),
            List.of("socket.reuse-address", "{ }", "\"maybe\""),
            List.of("socket.reuse-port", "[]", "\"sometimes\""),
            List.of("socket.keep-alive", "{ }", "\"often\""),
            List.of("socket.receive-buffer", "[]", "\"1GiB\"", "\"-1\"", "\"lots\""),
            List.of("socket.send-buffer", "{ }", "\"1GiB\"", "\"12 parsecs\""),
            List.of("admission.max-connections", "\"many\"", "-1", "20000000", "\"1e3x\""),
            List.of("admission.max-connections-per-ip", "[]", "-5", "\"five\""),
            List.of("admission.allow", "{ a = 1 }", "[\"10.0.0.0/33\"]", "[\"10.0.0.0/8x\"]", "[\"example.com\"]",
                    "[\"fe80::1%eth0\"]"),
            List.of("admission.deny", "42", "[\"::1/129\"]", "[\"10.0.0/8\"]", "[\"1.2.3.4/-1\"]"),
            List.of("admission.over-limit", "[]", "\"sometimes\"", "\"\""),
            List.of("admission.defer-timeout", "[]", "0ms", "2h", "\"soon\""),
            List.of("admission.reject-action", "{ }", "\"explode\""),
            List.of("admission.policy-class", "[]", "\"no.such.Policy\"", "\"java.lang.String\""),
            List.of("echo.write-buffer-high-watermark", "[]", "\"512B\"", "\"1TiB\"", "\"big\""),
            List.of("echo.write-buffer-low-watermark", "{ }", "\"128KiB\"", "\"-1\"", "\"small\""),
            List.of("echo.idle-timeout", "[]", "-1s", "2d", "\"a while\""),
            List.of("overload.echo-memory-budget", "[]", "\"lots\"", "\"1KiB\"", "-1"),
            List.of("overload.stop-accepting-at", "\"1.5x\"", "0.5", "11", "[]"),
            List.of("echo.prefix", "{ a = 1 }", "[]", "\"" + "v".repeat(257) + "\"", "\"v1\\nv2\""),
            List.of("echo.max-line-length", "[]", "0", "\"2GiB\"", "\"long\""),
            List.of("shutdown.grace-period", "{ }", "-1s", "11m", "\"later\""),
            List.of("admin.host", "{ a = 1 }", "\"\""),
            List.of("admin.port", "\"eighty\"", "70000", "-1"),
            List.of("admin.max-connections", "\"plenty\"", "0", "10001", "\"64x\""),
            List.of("admin.request-timeout", "[]", "0s", "50ms", "11m", "\"soonish\""),
            List.of("admin.idle-timeout", "{ }", "0s", "2h", "\"a while\""),
            List.of("metrics.common-tags", "\"env=prod\"", "{ \"bad key\" = x }", "[]"),
            List.of("proxy-protocol", "[]", "\"always\"", "\"\""),
            List.of("proxy-protocol-timeout", "{ }", "0s", "1h", "\"eventually\""),
            List.of("proxy-protocol-max-header-size", "[]", "\"100B\"", "\"1MiB\"", "\"huge\""),
            List.of("trusted-proxies", "{ a = 1 }", "[\"10.0.0.0/40\"]", "[\"proxy.example\"]", "[\"fe80::1%eth0\"]"),
            List.of("tls.enabled", "[]", "\"yes-please\""),
            List.of("tls.port", "\"secure\"", "65536", "-1"),
            List.of("tls.certificate", "{ }", "[]"),
            List.of("tls.private-key", "{ }", "[]"),
            List.of("tls.private-key-password", "{ }", "[]"),
            List.of("tls.trust-certificates", "{ }", "[]"),
            List.of("tls.client-auth", "[]", "\"maybe\"", "\"\""),
            List.of("tls.handshake-timeout", "{ }", "0s", "1h", "\"quickly\""),
            List.of("tls.reload-check-interval", "[]", "-1s", "\"often\""),
            List.of("tls.provider", "{ }", "\"boringssl\"", "\"\""),
            // Files are checked only when TLS is on: the whole block, as an operator would write it.
            List.of("tls", "{ enabled = true }", "{ enabled = true, certificate = \"/no/such.crt\", "
                    + "private-key = \"/no/such.key\" }", "{ enabled = true, certificate = \"/etc/hostname\", "
                    + "private-key = \"/etc/hostname\" }"),
            List.of("udp.enabled", "{ }", "\"sometimes\""),
            List.of("udp.port", "\"seven\"", "70000", "-1"),
            List.of("udp.max-datagram-size", "[]", "65508", "0", "\"jumbo\""),
            List.of("udp.packets-per-second-per-source", "{ }", "0", "20000000", "\"fast\""),
            List.of("udp.burst", "[]", "0", "\"big\""),
            List.of("udp.max-sources", "{ }", "0", "\"all\""),
            List.of("udp.max-replies-per-second", "[]", "-1", "20000000", "\"plenty\""),
            List.of("udp.max-reply-bytes-per-second", "{ }", "\"-1\"", "\"2GiB\"", "\"a lot\""),
            List.of("faults.latency", "[]", "-1ms", "11m", "\"slow\""),
            List.of("faults.latency-jitter", "{ }", "-5ms", "\"wobbly\"", "10ms"), // 10ms > latency 0
            List.of("faults.bandwidth", "[]", "-1", "\"2PiB\"", "\"fast\""),
            List.of("faults.slice", "{ }", "-1", "\"32MiB\"", "\"thin\""),
            List.of("faults.slice-delay", "[]", "-1ms", "2m", "\"later\"", "10ms"), // 10ms without a slice size
            List.of("faults.close-after-bytes", "[]", "-1", "\"lots\""),
            List.of("faults.reset-after-bytes", "{ }", "-1", "\"some\""),
            List.of("faults.reset-after", "[]", "-1s", "2d", "\"soon\""),
            List.of("faults.probability", "[]", "-0.1", "1.5", "\"often\""),
            List.of("faults.udp-drop", "{ }", "2", "-1", "\"half\""),
            // Checked together: FIN and RST after bytes at once.
            List.of("faults", "{ close-after-bytes = 10, reset-after-bytes = 10 }"),
            List.of("no-such-key", "1"));

    @TempDir
    Path dir;

    @Test
    void every_bad_value_of_every_key_is_refused_with_one_line_naming_the_key() throws Exception {
        List<String> problems = new ArrayList<>();
        int cases = 0;
        for (List<String> row : MATRIX) {
            String key = "echoport." + row.get(0);
            for (String value : row.subList(1, row.size())) {
                cases++;
                Path file = write(key, value);
                try {
                    SettingsLoader.load(Optional.of(file));
                    problems.add(key + " = " + value + ": accepted");
                } catch (SettingsException e) {
                    String m = e.getMessage();
                    if (!m.contains(key) || m.contains("\n")) {
                        problems.add(key + " = " + value + ": message does not name the key on one line: " + m);
                    }
                } catch (RuntimeException e) {
                    problems.add(key + " = " + value + ": escaped as " + e);
                }
            }
        }
        assertThat(cases).isGreaterThan(140);
        assertThat(problems).as("bad settings not refused properly").isEmpty();
    }

    /** A key added to reference.conf without bad values here would go untested: every leaf key must have a row. */
    @Test
    void the_matrix_has_a_row_for_every_key_of_reference_conf() {
        Config reference = ConfigFactory.parseResources("reference.conf").getConfig("echoport");
        List<String> rows = MATRIX.stream().map(r -> r.get(0)).toList();
        assertThat(reference.entrySet()).extracting(Map.Entry::getKey).allSatisfy(key ->
                assertThat(rows).as("rows of the matrix").contains(key));
        assertThat(rows).contains("metrics.common-tags"); // an empty object in reference.conf: no leaf to list
    }

    @Test
    void the_process_exits_2_with_one_stderr_line_and_never_binds() throws Exception {
        List<List<String>> sample = Reliability.HEAVY ? MATRIX : List.of(
                List.of("port", "70000"), List.of("admission.max-connections", "\"many\""),
                List.of("admission.allow", "[\"10.0.0.0/33\"]"), List.of("echo.idle-timeout", "-1s"),
                List.of("socket.tcp-nodelay", "\"yes please\""), List.of("no-such-key", "1"),
                List.of("udp.max-datagram-size", "65508"), List.of("tls", "{ enabled = true }"));
        for (List<String> row : sample) {
            String key = "echoport." + row.get(0);
            for (String value : row.subList(1, row.size())) {
                Path file = write(key, value);
                // No listener env overrides: they would win over the file and hide the bad value.
                try (EchoportProcess p = EchoportProcess.launch(Map.of(), "--config", file.toString())) {
                    int exit = p.awaitExit(Duration.ofSeconds(30));
                    String ctx = key + " = " + value + "; stdout " + p.stdout() + " stderr " + p.stderr();
                    assertThat(exit).as(ctx).isEqualTo(2);
                    awaitStreamsDrained(p);
                    assertThat(p.stderr()).as(ctx).hasSize(1);
                    assertThat(p.stderr().get(0)).as(ctx).contains(key);
                    assertThat(p.stdout()).as(ctx).noneMatch(l -> l.contains(EchoportProcess.STARTED));
                    assertThat(p.stdout()).as(ctx).noneMatch(l -> l.contains("admin on") || l.contains("bound"));
                }
            }
        }
    }

    /** The pump threads may still be reading the last line when exit is seen; give them a moment, with a deadline. */
    private static void awaitStreamsDrained(EchoportProcess p) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (p.stderr().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10); // polling a child's output: no event to wait on
        }
    }

    private Path write(String key, String value) throws Exception {
        Path file = Files.createTempFile(dir, "bad", ".conf");
        // Listener settings kept valid (loopback, free ports) so that only the key under test can be wrong.
        StringBuilder s = new StringBuilder();
        Map<String, String> base = Map.of("echoport.host", "\"127.0.0.1\"",
                "echoport.port", String.valueOf(EchoportProcess.freePort()),
                "echoport.admin.host", "\"127.0.0.1\"",
                "echoport.admin.port", String.valueOf(EchoportProcess.freePort()));
        base.forEach((k, v) -> {
            if (!k.equals(key)) {
                s.append(k).append(" = ").append(v).append('\n');
            }
        });
        s.append(key).append(" = ").append(value).append('\n');
        Files.writeString(file, s.toString());
        return file;
    }

    static {
        if (MATRIX.isEmpty()) {
            fail("empty matrix");
        }
    }
}
