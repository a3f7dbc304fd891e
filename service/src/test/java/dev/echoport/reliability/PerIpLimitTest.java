package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One address keeps opening past max-connections-per-ip while other addresses keep being admitted and served. */
class PerIpLimitTest {
    static final int PER_IP = 5;
    static final int ABUSIVE_ATTEMPTS = 60;
    static final String[] OTHERS = {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"};

    @EveryTransport
    void one_abusive_address_is_capped_while_others_are_admitted(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        List<Socket> open = new ArrayList<>();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "admission.max-connections = 100", "admission.max-connections-per-ip = " + PER_IP))) {
            int abusiveAdmitted = 0;
            int abusiveRefused = 0;
            int othersServed = 0;
            for (int i = 0; i < ABUSIVE_ATTEMPTS; i++) {
                byte[] p = Clients.randomBytes(16, seed + i);
                Socket abusive = admittedAndEchoing("127.0.0.1", rs, p);
                if (abusive != null) {
                    abusiveAdmitted++;
                    open.add(abusive);
                } else {
                    abusiveRefused++;
                }
                // Interleaved: the other addresses are admitted up to their own limit and echo meanwhile.
                if (i < OTHERS.length * PER_IP) {
                    Socket other = Clients.connectFrom(OTHERS[i % OTHERS.length], rs.address());
                    open.add(other);
                    assertThat(echoes(other, p)).as("%s admitted and echoing while 127.0.0.1 is at its limit, "
                            + "attempt %d, %s seed %d", OTHERS[i % OTHERS.length], i, transport, seed).isTrue();
                    othersServed++;
                }
            }
            assertThat(abusiveAdmitted).as("connections admitted from 127.0.0.1, " + transport).isEqualTo(PER_IP);
            assertThat(abusiveRefused).isEqualTo(ABUSIVE_ATTEMPTS - PER_IP);
            assertThat(othersServed).isEqualTo(OTHERS.length * PER_IP);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "max_per_ip"))
                    .isEqualTo(ABUSIVE_ATTEMPTS - PER_IP);
            assertThat(rs.server().counts().activeFrom(java.net.InetAddress.getByName("127.0.0.1"))).isEqualTo(PER_IP);
            for (Socket s : open) {
                s.close();
            }
            Await.until("no connection active", () -> rs.server().counts().active() == 0);
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
    }

    private static boolean echoes(Socket s, byte[] payload) {
        try {
            return java.util.Arrays.equals(Clients.roundTrip(s, payload), payload);
        } catch (IOException refused) {
            return false;
        }
    }

    /** The open socket if {@code from} was admitted and echoed, null if it was refused (during connect or after). */
    private static Socket admittedAndEchoing(String from, RunningEchoport rs, byte[] payload) throws IOException {
        Socket s;
        try {
            s = Clients.connectFrom(from, rs.address());
        } catch (java.net.SocketException resetDuringConnect) { // the refusal beat connect() home
            return null;
        }
        if (echoes(s, payload)) {
            return s;
        }
        s.close();
        return null;
    }
}
