package dev.echoport.udp;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** RFC 862 over UDP on every transport: datagrams come back unchanged, and the amplification guard holds. */
class UdpEchoTest {

    @EveryTransport
    void every_datagram_comes_back_to_its_sender_unchanged(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0 }"));
             DatagramSocket client = socket("127.0.0.1")) {
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
            Await.until("rs.counter(\"echoport.udp.datagrams.sent\") == sizes.length", () -> rs.counter("echoport.udp.datagrams.sent") == sizes.length);
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
             DatagramSocket flooder = socket("127.0.0.1");
             DatagramSocket bystander = socket("127.0.0.2")) {
            InetSocketAddress server = udpAddress(rs);
            byte[] payload = Clients.randomBytes(100, 7);
            long start = System.nanoTime();
            for (int i = 0; i < sent; i++) {
                flooder.send(new DatagramPacket(payload, payload.length, server));
            }
            Await.until("rs.counter(\"echoport.udp.datagrams.received\") == sent", () -> rs.counter("echoport.udp.datagrams.received") == sent);
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
             DatagramSocket allowed = socket("127.0.0.1");
             DatagramSocket denied = socket("127.0.0.2")) {
            InetSocketAddress server = udpAddress(rs);
            allowed.send(new DatagramPacket(new byte[101], 101, server));
            denied.send(new DatagramPacket(new byte[10], 10, server));
            byte[] fits = Clients.randomBytes(100, 1);
            allowed.send(new DatagramPacket(fits, fits.length, server));
            assertThat(receive(allowed, 65536)).as("the first reply is to the datagram that fits").isEqualTo(fits);
            Await.until("rs.counter(\"echoport.udp.datagrams.received\") == 3", () -> rs.counter("echoport.udp.datagrams.received") == 3);
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

    private static DatagramSocket socket(String localAddress) throws Exception {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(localAddress, 0));
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
