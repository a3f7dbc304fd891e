package dev.echoport.faults;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * faults.udp-drop on every transport: about that share of datagrams is not echoed, each one echoed is intact, and
 * the datagrams the client missed are exactly those counted as dropped with reason {@code fault}.
 */
class UdpDropFaultTest {
    static final int DATAGRAMS = 200;

    @EveryTransport
    void about_the_configured_share_is_dropped_and_each_drop_is_counted(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "faults.udp-drop = 0.5",
                "udp { enabled = true, port = 0, packets-per-second-per-source = 1000000, burst = 1000000 }"));
             DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            client.setReceiveBufferSize(1 << 20);
            InetSocketAddress server = new InetSocketAddress("127.0.0.1", rs.server().udpPort());
            for (int i = 0; i < DATAGRAMS; i++) {
                byte[] payload = ByteBuffer.allocate(64).putInt(i).putLong(~(long) i).array();
                client.send(new DatagramPacket(payload, payload.length, server));
            }
            Await.until("every datagram read by the server",
                    () -> rs.counter("echoport.udp.datagrams.received") == DATAGRAMS);
            Set<Integer> echoed = new HashSet<>();
            client.setSoTimeout(1000); // the server has read them all: echoes still missing after this never come
            byte[] buf = new byte[128];
            try {
                while (echoed.size() < DATAGRAMS) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    client.receive(p);
                    ByteBuffer b = ByteBuffer.wrap(p.getData(), 0, p.getLength());
                    int id = b.getInt();
                    assertThat(p.getLength()).isEqualTo(64);
                    assertThat(b.getLong()).as("datagram %d intact", id).isEqualTo(~(long) id);
                    assertThat(echoed.add(id)).as("datagram %d echoed once", id).isTrue();
                }
            } catch (SocketTimeoutException noMore) {
                // the rest were dropped
            }
            int dropped = DATAGRAMS - echoed.size();
            System.out.printf("FIGURE udp-drop 0.5 %s: %d of %d datagrams dropped%n", transport.configName(), dropped,
                    DATAGRAMS);
            assertThat(dropped).as("about half of %d", DATAGRAMS).isBetween(50, 150);
            assertThat(rs.counter("echoport.udp.datagrams.dropped", "reason", "fault")).isEqualTo(dropped);
            assertThat(rs.counter("echoport.faults.injected", "fault", "udp_drop")).isEqualTo(dropped);
            assertThat(rs.counter("echoport.udp.datagrams.sent")).isEqualTo(echoed.size());
        }
    }
}
