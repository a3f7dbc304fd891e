package dev.echoport.admission;

import dev.echoport.testsupport.Await;
import ch.qos.logback.classic.Level;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A policy class named in config is created and asked; refusals are logged as one summary line per reason. */
class ConfiguredPolicyTest {

    /** Refuses peers whose address ends in .3: a policy a user could write. */
    public static final class RefuseDotThree implements AdmissionPolicy {
        @Override
        public Decision decide(InetSocketAddress peer, InetSocketAddress local, ConnectionCounts counts) {
            return peer.getAddress().getAddress()[3] == 3 ? Decision.reject(RejectReason.POLICY) : Decision.ACCEPT;
        }
    }

    @Test
    void a_policy_class_from_config_is_asked_after_the_rules() throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(Transport.NIO,
                "admission.policy-class = \"" + RefuseDotThree.class.getName() + "\""));
             Socket ok = Clients.connectFrom("127.0.0.1", rs.address());
             Socket no = Clients.connectFrom("127.0.0.3", rs.address())) {
            assertThat(Clients.roundTrip(ok, new byte[]{9})).containsExactly(9);
            assertThat(Clients.refusal(no, 5000)).isEqualTo("reset");
            assertThat(rs.counter("echoport.connections.rejected", "reason", "policy")).isEqualTo(1.0);
        }
    }

    @Test
    void a_flood_of_rejections_is_one_summary_line_per_reason() throws Exception {
        CapturingAppender.clear();
        int refused = 25;
        try (RunningEchoport rs = RunningEchoport.start(
                TestSettings.of(Transport.NIO, "admission.max-connections = 1"));
             Socket holder = Clients.connect(rs.address())) {
            assertThat(Clients.roundTrip(holder, new byte[]{1})).containsExactly(1);
            for (int i = 0; i < refused; i++) {
                try (Socket s = Clients.connect(rs.address())) {
                    assertThat(Clients.refusal(s, 5000)).isEqualTo("reset");
                } catch (java.net.SocketException resetDuringConnect) {
                    // refused before connect() returned: still one refusal
                }
            }
            Await.until(String.format("summaries %s", summaries()), () -> total(summaries()) == refused);
            assertThat(summaries()).as("at most one line per second: far fewer lines than refusals")
                    .hasSizeLessThanOrEqualTo(3)
                    .allSatisfy(l -> assertThat(l).matches("rejected \\d+ connections?: max-connections 1 reached"));
        }
    }

    private static List<String> summaries() {
        return CapturingAppender.messages(RejectionLog.class.getName(), Level.WARN);
    }

    private static int total(List<String> lines) {
        return lines.stream().mapToInt(l -> Integer.parseInt(l.split(" ")[1])).sum();
    }
}
