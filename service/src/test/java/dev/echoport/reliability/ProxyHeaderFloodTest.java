package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.ProxyHeaders;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.Sampler;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

import static dev.echoport.testsupport.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 1,000 clients that start a PROXY protocol header and never finish it, against {@code max-connections = 100}: a
 * connection waiting for its header holds a slot like any other, so at most 100 are held and the rest are refused
 * and counted; a peer outside {@code trusted-proxies} gets no more than its signature read; a v2 header announcing
 * more than {@code proxy-protocol-max-header-size} is refused before it is read.
 */
class ProxyHeaderFloodTest {
    private static final Logger log = LoggerFactory.getLogger(ProxyHeaderFloodTest.class);
    static final int CLIENTS = 1_000;
    static final int LIMIT = 100;
    private static final byte[] PING = {'p', 'i', 'n', 'g'};

    @EveryTransport
    void connections_waiting_for_their_header_hold_at_most_max_connections(Transport transport) throws Exception {
        assumeTrue(ChildJvm.hardNofile() > 2 * CLIENTS + 500, "needs descriptors for 2 x " + CLIENTS + " sockets");
        List<SocketChannel> clients = new ArrayList<>();
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "proxy-protocol = optional, trusted-proxies = [\"127.0.0.1/32\"], proxy-protocol-timeout = 60s",
                "admission.max-connections = " + LIMIT));
             Sampler most = new Sampler(() -> ep.server().counts().active())) {
            // Each sends the v2 signature and half of the fixed part, then nothing: its header stays pending.
            byte[] partial = java.util.Arrays.copyOf(ProxyHeaders.v2FixedPart(12), 14);
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(openAndSend(ep.address(), partial));
            }
            Await.until("every connection admitted or refused at accept", () ->
                    ep.server().counts().active() + rejected(ep, "max_connections") == CLIENTS);
            Await.until("the refused ones closed, as their clients see", () -> open(clients) == LIMIT);
            String ctx = transport.toString();
            assertThat(ep.server().counts().active()).as("connections held, header pending, " + ctx)
                    .isEqualTo(LIMIT);
            assertThat(rejected(ep, "max_connections")).as("refused at accept, " + ctx).isEqualTo(CLIENTS - LIMIT);
            try (Socket fresh = Clients.connectFrom("127.0.0.2", ep.address())) {
                assertThat(Clients.refusal(fresh, 5000)).as("a direct client while 100 headers are pending, " + ctx)
                        .isEqualTo("reset");
            }
            log.info("FIGURE proxy-flood {}: {} clients with a pending header, max-connections {}: held {} (most "
                            + "seen {}), refused max_connections {}", transport, CLIENTS, LIMIT,
                    ep.server().counts().active(), most.max(), rejected(ep, "max_connections"));
            assertThat(most.max()).as("most connections ever counted at once, " + ctx).isLessThanOrEqualTo(LIMIT);

            closeAll(clients);
            Await.until("slots released once the clients left", () -> ep.server().counts().active() == 0);
            try (Socket fresh = Clients.connectFrom("127.0.0.2", ep.address())) {
                assertThat(Clients.roundTrip(fresh, PING)).isEqualTo(PING);
            }
        } finally {
            closeAll(clients);
        }
    }

    @EveryTransport
    void an_untrusted_peer_gets_no_more_than_its_signature_read(Transport transport) throws Exception {
        assumeTrue(ChildJvm.hardNofile() > 2 * CLIENTS + 500, "needs descriptors for 2 x " + CLIENTS + " sockets");
        List<SocketChannel> clients = new ArrayList<>();
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "proxy-protocol = optional, trusted-proxies = [\"10.9.9.9/32\"]",
                "admission.max-connections = " + LIMIT));
             Sampler most = new Sampler(() -> ep.server().counts().active())) {
            // The signature, a header announcing 65,535 bytes, and 60,000 of them (as much as the socket takes).
            byte[] attack = concat(ProxyHeaders.v2FixedPart(65_535), new byte[60_000]);
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(openAndSend(ep.address(), attack));
            }
            Await.until("every attempt refused (untrusted_proxy after the signature, or max_connections)", () ->
                    rejected(ep, "untrusted_proxy") + rejected(ep, "max_connections") == CLIENTS);
            Await.until("every client sees its connection closed", () -> open(clients) == 0);
            Await.until("no slot held", () -> ep.server().counts().active() == 0);
            String ctx = transport.toString();
            log.info("FIGURE proxy-untrusted {}: {} clients sending a 65,535-byte v2 header from outside "
                            + "trusted-proxies: refused untrusted_proxy {}, max_connections {}; most held at once {}",
                    transport, CLIENTS, rejected(ep, "untrusted_proxy"), rejected(ep, "max_connections"), most.max());
            assertThat(most.max()).as("most connections counted at once, " + ctx).isLessThanOrEqualTo(LIMIT);
            assertThat(rejected(ep, "untrusted_proxy")).as("refused after the signature, " + ctx).isPositive();
            assertThat(ep.counter("echoport.connections.accepted")).as("admitted, " + ctx).isZero();
            assertThat(ep.counter("echoport.bytes.received")).as("bytes echoed, " + ctx).isZero();
            try (Socket fresh = Clients.connect(ep.address())) {
                assertThat(Clients.roundTrip(fresh, PING)).as("a plain client afterwards, " + ctx).isEqualTo(PING);
            }
        } finally {
            closeAll(clients);
        }
    }

    @EveryTransport
    void a_v2_header_over_the_size_limit_is_refused_and_one_under_it_admitted(Transport transport) throws Exception {
        try (RunningEchoport ep = RunningEchoport.start(TestSettings.of(transport,
                "proxy-protocol = required, trusted-proxies = [\"127.0.0.1/32\"], proxy-protocol-timeout = 60s",
                "proxy-protocol-max-header-size = 4KiB"))) {
            int port = ep.echoPort();
            try (Socket oversized = Clients.connect(ep.address());
                 Socket large = Clients.connect(ep.address())) {
                oversized.getOutputStream().write(ProxyHeaders.v2FixedPart(65_535)); // nothing after the fixed part
                assertThat(Clients.refusal(oversized, 10_000)).as("refused on the announced length alone")
                        .isEqualTo("reset");
                byte[] header = ProxyHeaders.v2WithTlv("198.51.100.7", 4000, port, 3_000);
                assertThat(header.length).isLessThan(4096);
                large.getOutputStream().write(concat(header, PING));
                assertThat(Clients.readExactly(large.getInputStream(), PING.length)).isEqualTo(PING);
            }
            assertThat(rejected(ep, "proxy_header")).isEqualTo(1.0);
            assertThat(ep.counter("echoport.connections.accepted")).isEqualTo(1.0);
        }
    }

    private static double rejected(RunningEchoport ep, String reason) {
        return ep.counter("echoport.connections.rejected", "reason", reason);
    }

    /** Connects and writes what the socket takes at once (the server may never read it all). */
    private static SocketChannel openAndSend(InetSocketAddress to, byte[] bytes) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.SO_LINGER, 0); // closing at the end must not leave TIME_WAIT behind
        try {
            ch.connect(to);
        } catch (IOException resetAtAccept) {
            // The server's reset at accept can beat connect() back to this thread (seen beside a CPU hog); the
            // failed connect closed the channel, so open() does not count it. The server's counters say why.
            return ch;
        }
        ch.configureBlocking(false);
        try {
            ch.write(ByteBuffer.wrap(bytes));
        } catch (IOException refusedAlready) {
            // reset at accept before we wrote: a refusal, seen again by open()
        }
        return ch;
    }

    /** Clients whose connection the server has not closed: a read finds neither EOF nor a reset. */
    private static int open(List<SocketChannel> clients) {
        ByteBuffer sink = ByteBuffer.allocate(1024);
        int n = 0;
        for (SocketChannel ch : clients) {
            try {
                sink.clear();
                if (ch.isOpen() && ch.read(sink) >= 0) {
                    n++;
                }
            } catch (IOException closedByServer) {
                // reset: closed
            }
        }
        return n;
    }

    private static void closeAll(List<SocketChannel> clients) throws IOException {
        for (SocketChannel ch : clients) {
            ch.close();
        }
        clients.clear();
    }
}
