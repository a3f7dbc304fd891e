package dev.echoport.config;

import com.typesafe.config.ConfigFactory;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings are validated once; every bad value is one line that names the key. */
class SettingsTest {

    static Settings parse(String hocon) {
        return SettingsLoader.fromConfig(ConfigFactory.parseString(hocon)
                .withFallback(SettingsLoader.defaults()).resolve());
    }

    @Test
    void port_takes_one_port_a_list_or_a_comma_separated_string_as_the_environment_gives() {
        assertThat(parse("echoport.port = 9000").server().ports()).containsExactly(9000);
        assertThat(parse("echoport.port = [9000, 9001, 9002]").server().ports()).containsExactly(9000, 9001, 9002);
        assertThat(parse("echoport.port = \"9000,9001, 9002\"").server().ports()).containsExactly(9000, 9001, 9002);
        assertThat(parse("echoport.port = [0, 0]").server().ports()).as("ephemeral ports may repeat")
                .containsExactly(0, 0);
    }

    @Test
    void defaults_are_the_documented_ones() {
        Settings s = parse("");
        assertThat(s.server().port()).isEqualTo(7007);
        assertThat(s.server().transport().requested()).isEqualTo("auto");
        assertThat(s.server().transport().active()).isEqualTo(Transport.AUTO_ORDER.stream()
                .filter(Transport::isAvailable).findFirst().orElseThrow());
        assertThat(s.admission().maxConnections()).isEqualTo(10_000);
        assertThat(s.admission().overLimit()).isEqualTo(AdmissionRules.OverLimit.REJECT);
        assertThat(s.admission().rejectAction()).isEqualTo(AdmissionRules.RejectAction.RESET);
        assertThat(s.echo().writeBufferHighWatermark()).isEqualTo(64 * 1024);
        assertThat(s.echo().idleTimeoutEnabled()).isFalse();
        assertThat(s.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.admin()).isEqualTo(new Settings.Admin(true, "0.0.0.0", 8081));
    }

    @Test
    void values_are_parsed_with_units() {
        Settings s = parse("echoport { echo { write-buffer-high-watermark = 1MiB, write-buffer-low-watermark = 512KiB,"
                + " idle-timeout = 90s }, socket.receive-buffer = 256KiB, admission { allow = [\"10.0.0.0/8\","
                + " \"::1\"], over-limit = DEFER, defer-timeout = 250ms }, admin.port = 0,"
                + " metrics.common-tags { instance = \"a\" } }");
        assertThat(s.echo().writeBufferHighWatermark()).isEqualTo(1 << 20);
        assertThat(s.echo().idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.socket().receiveBuffer()).isEqualTo(256 * 1024);
        assertThat(s.admission().allow()).hasSize(2);
        assertThat(s.admission().overLimit()).isEqualTo(AdmissionRules.OverLimit.DEFER);
        assertThat(s.admission().deferTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(s.admin().enabled()).isFalse();
        assertThat(s.metrics().commonTags()).containsEntry("instance", "a");
    }

    @Test
    void a_comma_separated_string_is_a_list_as_environment_variables_give_it() {
        Settings s = parse("echoport.admission.deny = \"10.0.0.0/8, 192.168.1.1\"");
        assertThat(s.admission().deny()).extracting(Object::toString).containsExactly("10.0.0.0/8", "192.168.1.1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            echoport.port = 70000                          | echoport.port = 70000: expected an integer from 0 to 65535
            echoport.port = -1                             | echoport.port = -1: expected an integer from 0 to 65535
            echoport.port = "abc"                          | echoport.port = "abc": expected a port from 0 to 65535, or a list
            echoport.port = [1, 70000]                     | echoport.port[1] = "70000": expected a port from 0 to 65535
            echoport.host = ""                             | echoport.host = "": expected a non-empty string
            echoport.transport = carrier-pigeon            | echoport.transport = "carrier-pigeon": expected one of auto | oio | nio | epoll | kqueue | io_uring
            echoport.transport = kqueue                    | echoport.transport = kqueue: not available on this host (
            echoport.io-threads = -3                       | echoport.io-threads = -3: expected an integer from 0 to 4096
            echoport.listeners = 0                         | echoport.listeners = 0: expected an integer from 1 to 256
            echoport.listeners = 2                         | echoport.listeners = 2: more than one listener needs echoport.socket.reuse-port = true
            echoport.socket.backlog = 0                    | echoport.socket.backlog = 0: expected an integer from 1 to 65535
            echoport.socket.tcp-nodelay = maybe            | echoport.socket.tcp-nodelay = "maybe": expected true or false
            echoport.socket.receive-buffer = 1TiB          | echoport.socket.receive-buffer = "1TiB": expected a size from 0 to 67108864 bytes
            echoport.socket.send-buffer = lots             | echoport.socket.send-buffer = "lots": expected a size
            echoport.admission.max-connections = -1        | echoport.admission.max-connections = -1: expected an integer from 0 to 10000000
            echoport.admission.max-connections = 1.5       | echoport.admission.max-connections = 1.5: expected an integer
            echoport.admission.max-connections-per-ip = x  | echoport.admission.max-connections-per-ip = "x": expected an integer
            echoport.admission.allow = ["10.0.0.0/33"]     | echoport.admission.allow[0] = "10.0.0.0/33": prefix length 33 exceeds 32
            echoport.admission.deny = ["example.com"]      | echoport.admission.deny[0] = "example.com": not an IP address literal
            echoport.admission.deny = ["::1/129"]          | echoport.admission.deny[0] = "::1/129": prefix length 129 exceeds 128
            echoport.admission.deny = ["1.2.3.4/x"]        | echoport.admission.deny[0] = "1.2.3.4/x": prefix length "x" is not a number
            echoport.admission.deny = 5                    | echoport.admission.deny = 5: expected a list of CIDR blocks
            echoport.admission.over-limit = queue          | echoport.admission.over-limit = "queue": expected one of reject | defer
            echoport.admission.defer-timeout = 0s          | echoport.admission.defer-timeout = "0s": expected a duration from 1ms to 1h
            echoport.admission.defer-timeout = soon        | echoport.admission.defer-timeout = "soon": expected a duration
            echoport.admission.reject-action = ignore      | echoport.admission.reject-action = "ignore": expected one of reset | close
            echoport.admission.policy-class = no.Such      | echoport.admission.policy-class = "no.Such": class not found on the class path
            echoport.admission.policy-class = java.lang.String | echoport.admission.policy-class = "java.lang.String": class does not implement dev.echoport.admission.AdmissionPolicy
            echoport.echo.write-buffer-high-watermark = 10 | echoport.echo.write-buffer-high-watermark = 10: expected a size from 1024 to 67108864 bytes
            echoport.echo.write-buffer-low-watermark = 1MiB | echoport.echo.write-buffer-low-watermark = "1MiB": must be below echoport.echo.write-buffer-high-watermark (65536)
            echoport.echo.idle-timeout = -1s               | echoport.echo.idle-timeout = "-1s": expected a duration from 0s to 24h
            echoport.shutdown.grace-period = 1h            | echoport.shutdown.grace-period = "1h": expected a duration from 0s to 10m
            echoport.admin.port = 7007                     | echoport.admin.port = 7007: must differ from echoport.port
            echoport.admin.port = 65536                    | echoport.admin.port = 65536: expected an integer from 0 to 65535
            echoport.metrics.common-tags.bad-name = x      | echoport.metrics.common-tags.bad-name: tag name must match
            echoport.metrics.common-tags = 3               | echoport.metrics.common-tags = 3: expected an object
            echoport.proxy-protocol = always               | echoport.proxy-protocol = "always": expected one of off | optional | required
            echoport.proxy-protocol = required             | echoport.trusted-proxies = []: must name at least one CIDR block when echoport.proxy-protocol is required
            echoport.trusted-proxies = ["10.0.0.0/40"]     | echoport.trusted-proxies[0] = "10.0.0.0/40": prefix length 40 exceeds 32
            echoport.port = [9000, 9000]                   | echoport.port = [9000,9000]: port 9000 is listed twice
            echoport.port = "9000, x"                      | echoport.port[1] = "x": expected a port from 0 to 65535
            echoport.port = [9000, 8081]                   | echoport.admin.port = 8081: must differ from echoport.port
            echoport.overload.echo-memory-budget = 1KiB   | echoport.overload.echo-memory-budget = "1KiB": expected auto or a size from 65536 to 1099511627776 bytes
            echoport.overload.stop-accepting-at = 0.5     | echoport.overload.stop-accepting-at = 0.5: expected a number from 1.0 to 10.0
            echoport.proxy-protocol-timeout = 0s           | echoport.proxy-protocol-timeout = "0s": expected a duration from 10ms to 5m
            echoport.proxy-protocol-max-header-size = 100B | echoport.proxy-protocol-max-header-size = "100B": expected a size from 232 to 65551 bytes
            echoport.tls.enabled = yes-please              | echoport.tls.enabled = "yes-please": expected true or false
            echoport.tls.enabled = true                    | echoport.tls.certificate = "": required (a PEM file)
            echoport.tls { enabled = true, certificate = "/no/such.crt", private-key = "/no/such.key" } | echoport.tls.certificate = "/no/such.crt": file not found or not readable
            echoport.tls { enabled = true, certificate = "/etc/hostname", private-key = "/etc/hostname" } | echoport.tls.certificate = "/etc/hostname": cannot build a TLS context from tls.certificate and tls.private-key:
            echoport.tls.client-auth = maybe               | echoport.tls.client-auth = "maybe": expected one of none | optional | require
            echoport.tls.port = 65536                      | echoport.tls.port = 65536: expected an integer from 0 to 65535
            echoport.tls.handshake-timeout = 1h            | echoport.tls.handshake-timeout = "1h": expected a duration from 10ms to 5m
            echoport.udp.port = -1                         | echoport.udp.port = -1: expected an integer from 0 to 65535
            echoport.udp.max-datagram-size = 65508         | echoport.udp.max-datagram-size = 65508: expected a size from 1 to 65507 bytes
            echoport.udp.packets-per-second-per-source = 0 | echoport.udp.packets-per-second-per-source = 0: expected an integer from 1 to 10000000
            echoport.udp.burst = 0                         | echoport.udp.burst = 0: expected an integer from 1 to 10000000
            echoport.udp.max-sources = 0                   | echoport.udp.max-sources = 0: expected an integer from 1 to 10000000
            echoport.udp.max-replies-per-second = -1       | echoport.udp.max-replies-per-second = -1: expected an integer from 0 to 10000000
            echoport.udp.max-reply-bytes-per-second = 2GiB | echoport.udp.max-reply-bytes-per-second = "2GiB": expected a size from 0 to 1073741824 bytes
            echoport.udp.speed = 5                         | echoport.udp.speed: unknown key (known keys at echoport.udp: burst, enabled, max-datagram-size, max-replies-per-second, max-reply-bytes-per-second, max-sources, packets-per-second-per-source, port)
            echoport.max-connections = 5                   | echoport.max-connections: unknown key (known keys at echoport: admin, admission, echo
            echoport.admission.max-conections = 5          | echoport.admission.max-conections: unknown key (known keys at echoport.admission: allow, defer-timeout, deny, max-connections, max-connections-per-ip, over-limit, policy-class, reject-action)
            echoport.echo.prefix = "v1\\nv2"                | echoport.echo.prefix = "v1\\nv2": expected at most 256 bytes (UTF-8) without line breaks
            echoport.echo.max-line-length = 0              | echoport.echo.max-line-length = 0: expected a size from 1 to 1073741824 bytes
            echoport.faults.latency = 1h                   | echoport.faults.latency = "1h": expected a duration from 0s to 10m
            echoport.faults { latency = 10ms, latency-jitter = 20ms } | echoport.faults.latency-jitter = "20ms": must not exceed echoport.faults.latency (10ms)
            echoport.faults.slice-delay = 5ms              | echoport.faults.slice-delay = "5ms": needs echoport.faults.slice > 0
            echoport.faults { close-after-bytes = 1, reset-after-bytes = 2 } | echoport.faults.reset-after-bytes = 2: cannot be combined with echoport.faults.close-after-bytes (1)
            echoport.faults.probability = 1.5              | echoport.faults.probability = 1.5: expected a number from 0.0 to 1.0
            echoport.faults.udp-drop = half                | echoport.faults.udp-drop = "half": expected a number from 0.0 to 1.0
            echoport = 5                                   | echoport: missing or not an object
            """)
    void every_bad_value_is_one_line_naming_the_key(String hocon, String expectedStart) {
        assertThatThrownBy(() -> parse(hocon))
                .isInstanceOf(SettingsException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith(expectedStart.strip());
                    assertThat(e.getMessage()).doesNotContain("\n");
                });
    }

    @Test
    void prefix_mode_and_faults_are_off_by_default_and_parse_when_set() {
        Settings d = parse("");
        assertThat(d.echo().prefixMode()).isFalse();
        assertThat(d.echo().maxLineLength()).isEqualTo(64 * 1024);
        assertThat(d.faults()).isEqualTo(FaultSettings.off());
        assertThat(d.faults().active()).isEmpty();

        Settings s = parse("echoport { echo { prefix = \"pod-7 v2\", max-line-length = 1KiB },"
                + " faults { latency = 200ms, latency-jitter = 50ms, bandwidth = 64KiB, slice = 100, slice-delay = 5ms,"
                + " reset-after-bytes = 1MiB, reset-after = 30s, probability = 0.25, udp-drop = 0.1 } }");
        assertThat(s.echo().prefix()).isEqualTo("pod-7 v2");
        assertThat(s.echo().maxLineLength()).isEqualTo(1024);
        assertThat(s.faults()).isEqualTo(new FaultSettings(Duration.ofMillis(200), Duration.ofMillis(50), 65536, 100,
                Duration.ofMillis(5), 0, 1 << 20, Duration.ofSeconds(30), 0.25, 0.1));
        assertThat(s.faults().describe()).isEqualTo("latency 200ms ± 50ms, bandwidth 65536 B/s, slice 100 B every 5ms,"
                + " reset-after-bytes 1048576 B, reset-after 30000ms, udp-drop 10% of datagrams"
                + " (for 25% of new connections)");
    }

    @Test
    void protocol_additions_are_off_by_default_and_parse_when_set() {
        ProtocolSettings off = parse("").protocols();
        assertThat(off.proxy().mode()).isEqualTo(ProtocolSettings.ProxyMode.OFF);
        assertThat(off.tls().enabled()).isFalse();
        assertThat(off.udp().enabled()).isFalse();
        assertThat(off.udp().port()).isEqualTo(7007);
        assertThat(off.tls().port()).isEqualTo(7443);

        ProtocolSettings on = parse("echoport { proxy-protocol = OPTIONAL, trusted-proxies = \"10.0.0.0/8, ::1\","
                + " proxy-protocol-timeout = 2s, udp { enabled = true, port = 7, packets-per-second-per-source = 5,"
                + " burst = 9, max-sources = 50, max-datagram-size = 1KiB, max-replies-per-second = 0,"
                + " max-reply-bytes-per-second = 1MiB } }").protocols();
        assertThat(on.proxy().mode()).isEqualTo(ProtocolSettings.ProxyMode.OPTIONAL);
        assertThat(on.proxy().trustedProxies()).extracting(Object::toString).containsExactly("10.0.0.0/8", "::1");
        assertThat(on.proxy().timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(on.udp()).isEqualTo(new ProtocolSettings.Udp(true, 7, 1024, 5, 9, 50, 0, 1 << 20));
    }

    @Test
    void reuse_port_is_refused_where_the_transport_cannot_do_it() {
        assertThatThrownBy(() -> parse("echoport { transport = nio, socket.reuse-port = true }"))
                .hasMessageStartingWith("echoport.socket.reuse-port = true: SO_REUSEPORT is supported by epoll and "
                        + "io_uring only, not by nio");
    }

    @Test
    void an_error_says_where_the_value_came_from() {
        assertThatThrownBy(() -> SettingsLoader.fromConfig(ConfigFactory.parseString("echoport.port = 99999",
                com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("my.conf"))
                .withFallback(SettingsLoader.defaults()).resolve()))
                .hasMessageContaining("(from my.conf: 1)");
    }
}
