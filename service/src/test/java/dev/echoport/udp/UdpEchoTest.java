package dev.echoport.udp;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import org.junit.jupiter.api.Assumptions;

import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RFC 862 over UDP on every transport: datagrams come back unchanged, and the amplification guard holds: per source,
 * never to a service's or our own port.
 */
class UdpEchoTest {

    @EveryTransport
    void every_datagram_comes_back_to_its_sender_unchanged(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0 }"));
             DatagramSocket client = socket("127.0.0.1", rs)) {
            InetSocketAddress server = udpAddress(rs);
            long bytes = 0;
            int[] sizes = {1, 512, 1472, 8192, 65507};
            for (int size : sizes) {
                byte[] payload = Clients.randomBytes(size, size);
                client.send(new DatagramPacket(payload, size, server));
                byte[] reply = receive(client, 65536);
                assertThat(reply).as("%d-byte datagram over %s", size, transport).isEqualTo(payload);
                bytes += size;
            }
            long expected = bytes;
            Await.until("every echo counted as sent",
                    () -> rs.counter("echoport.udp.datagrams.sent") == sizes.length);
            assertThat(rs.counter("echoport.udp.datagrams.received")).isEqualTo(sizes.length);
            assertThat(rs.counter("echoport.udp.bytes.received")).isEqualTo((double) expected);
            assertThat(rs.counter("echoport.udp.bytes.sent")).isEqualTo((double) expected);
        }
    }

    @EveryTransport
    void one_source_gets_no_more_than_its_burst_and_rate_while_others_are_served(Transport transport)
            throws Exception {
        int burst = 5;
        int rate = 10;
        int sent = 200;
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0,"
                + " packets-per-second-per-source = " + rate + ", burst = " + burst + " }"));
             DatagramSocket flooder = socket("127.0.0.1", rs);
             DatagramSocket bystander = socket("127.0.0.2", rs)) {
            InetSocketAddress server = udpAddress(rs);
            byte[] payload = Clients.randomBytes(100, 7);
            long start = System.nanoTime();
            for (int i = 0; i < sent; i++) {
                flooder.send(new DatagramPacket(payload, payload.length, server));
            }
            Await.until("the server to receive all " + sent,
                    () -> rs.counter("echoport.udp.datagrams.received") == sent);
            double elapsedSeconds = (System.nanoTime() - start) / 1e9;
            int replies = 0;
            long replyBytes = 0;
            flooder.setSoTimeout(500);
            try {
                while (true) {
                    byte[] r = receive(flooder, 65536);
                    replies++;
                    replyBytes += r.length;
                    assertThat(r).as("a reply is the request, never larger").isEqualTo(payload);
                }
            } catch (SocketTimeoutException expectedEnd) {
                // no more replies
            }
            int allowed = burst + (int) Math.ceil(elapsedSeconds * rate) + 1;
            assertThat(replies).as("replies to one source within %.2f s", elapsedSeconds)
                    .isBetween(burst, allowed);
            assertThat(replyBytes).isLessThanOrEqualTo((long) sent * payload.length);
            assertThat(rs.counter("echoport.udp.datagrams.dropped", "reason", "rate_limited"))
                    .isEqualTo((double) (sent - replies));

            bystander.send(new DatagramPacket(payload, payload.length, server));
            assertThat(receive(bystander, 65536)).as("another source has its own budget").isEqualTo(payload);
        }
    }

    @EveryTransport
    void oversized_and_denied_datagrams_are_dropped_and_counted(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport,
                "udp { enabled = true, port = 0, max-datagram-size = 100 }", "admission.deny = [\"127.0.0.2\"]"));
             DatagramSocket allowed = socket("127.0.0.1", rs);
             DatagramSocket denied = socket("127.0.0.2", rs)) {
            InetSocketAddress server = udpAddress(rs);
            allowed.send(new DatagramPacket(new byte[101], 101, server));
            denied.send(new DatagramPacket(new byte[10], 10, server));
            byte[] fits = Clients.randomBytes(100, 1);
            allowed.send(new DatagramPacket(fits, fits.length, server));
            assertThat(receive(allowed, 65536)).as("the first reply is to the datagram that fits").isEqualTo(fits);
            Await.until("the server to receive all 3", () -> rs.counter("echoport.udp.datagrams.received") == 3);
            assertThat(rs.counter("echoport.udp.datagrams.dropped", "reason", "too_large")).isEqualTo(1.0);
            assertThat(rs.counter("echoport.udp.datagrams.dropped", "reason", "denied")).isEqualTo(1.0);
            denied.setSoTimeout(300);
            byte[] none = null;
            try {
                none = receive(denied, 65536);
            } catch (SocketTimeoutException expected) {
                // nothing for a denied source
            }
            assertThat(none).isNull();
        }
    }

    /**
     * A second echo on our own port (here: a socket on another loopback address with the server's port number) would
     * answer every answer: a datagram forged from it would start an endless exchange. It is never answered, while the
     * same address on an ordinary port is.
     */
    @EveryTransport
    void a_twin_echo_on_our_own_port_is_never_answered(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0 }"));
             DatagramSocket twin = bound(new InetSocketAddress("127.0.0.2", rs.server().udpPort()));
             DatagramSocket client = socket("127.0.0.2", rs)) {
            assertNotAnswered(rs, twin, "a source on our own port");
            byte[] hello = Clients.randomBytes(32, 2);
            client.send(new DatagramPacket(hello, hello.length, udpAddress(rs)));
            assertThat(receive(client, 65536)).as("the same address from an ephemeral port").isEqualTo(hello);
        }
    }

    /** Nor is a service such as chargen (19) or DNS (53): only where this host lets the test bind those ports. */
    @EveryTransport
    void a_service_port_is_never_answered(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(
                TestSettings.of(transport, "udp { enabled = true, port = 0 }"))) {
            for (int port : new int[]{19, 53}) {
                try (DatagramSocket service = boundOrSkip(new InetSocketAddress("127.0.0.3", port))) {
                    assertNotAnswered(rs, service, "a source on service port " + port);
                }
            }
            assertThat(rs.counter("echoport.udp.datagrams.dropped", "reason", "unsafe_source")).isEqualTo(2.0);
        }
    }

    /** Sends one datagram from {@code from}: it must be received, dropped as unsafe_source, and never answered. */
    private static void assertNotAnswered(RunningEchoport rs, DatagramSocket from, String what) throws Exception {
        double before = rs.counter("echoport.udp.datagrams.dropped", "reason", "unsafe_source");
        from.send(new DatagramPacket(new byte[8], 8, udpAddress(rs)));
        Await.until(what + " counted as unsafe_source",
                () -> rs.counter("echoport.udp.datagrams.dropped", "reason", "unsafe_source") == before + 1);
        assertThat(rs.counter("echoport.udp.datagrams.sent")).as(what).isZero();
        from.setSoTimeout(300);
        byte[] none = null;
        try {
            none = receive(from, 65536);
        } catch (SocketTimeoutException expected) {
            // nothing came back
        }
        assertThat(none).as(what).isNull();
    }

    /** A client on {@code localAddress}, on an ephemeral port that is not the server's own number (never answered). */
    private static DatagramSocket socket(String localAddress, RunningEchoport rs) throws Exception {
        while (true) {
            DatagramSocket s = bound(new InetSocketAddress(localAddress, 0));
            if (s.getLocalPort() != rs.server().udpPort()) {
                return s;
            }
            s.close();
        }
    }

    private static DatagramSocket boundOrSkip(InetSocketAddress local) throws Exception {
        try {
            return bound(local);
        } catch (BindException e) {
            return Assumptions.abort("cannot bind " + local + " here (" + e.getMessage()
                    + "): a port below 1024 needs root or CAP_NET_BIND_SERVICE");
        }
    }

    private static DatagramSocket bound(InetSocketAddress local) throws Exception {
        DatagramSocket s = new DatagramSocket(local);
        s.setSoTimeout(Clients.TIMEOUT_MILLIS);
        s.setReceiveBufferSize(1 << 20);
        return s;
    }

    private static byte[] receive(DatagramSocket s, int max) throws Exception {
        DatagramPacket p = new DatagramPacket(new byte[max], max);
        s.receive(p);
        return Arrays.copyOf(p.getData(), p.getLength());
    }

    private static InetSocketAddress udpAddress(RunningEchoport rs) {
        return new InetSocketAddress("127.0.0.1", rs.server().udpPort());
    }
}
