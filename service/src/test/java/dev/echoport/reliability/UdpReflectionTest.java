package dev.echoport.reliability;

import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.metrics.ProtocolMetrics.UdpDrop;
import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.DatagramPeers;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The UDP echo probed as a reflector from outside, with forged-looking sources: peers bound to 127.0.0.2 …
 * 127.0.0.250 stand for addresses an attacker writes into datagrams. A source gets at most its burst per refill
 * whatever other sources do, and the process-wide reply budget holds against many sources at once.
 */
class UdpReflectionTest {
    private static final Logger log = LoggerFactory.getLogger(UdpReflectionTest.class);
    static final int FORGED_FIRST = 2;
    static final int FORGED_LAST = 250;
    static final int FORGED = FORGED_LAST - FORGED_FIRST + 1;
    static final long FLOOD_NANOS = 2_000_000_000L;

    /**
     * The finding, with its numbers (burst 20, 1/s, a table of 10): 50 datagrams from 127.0.0.1 get 20 echoes, the
     * next 50 none; then one datagram from each of 249 other addresses, which used to evict 127.0.0.1 and hand it a
     * fresh burst; then 50 more from 127.0.0.1. Over the whole run it may get its burst plus 1/s, never 2 bursts.
     */
    @EveryTransport
    void a_source_gets_at_most_its_burst_per_refill_whatever_other_sources_do(Transport transport) throws Exception {
        int burst = 20;
        int buckets = 10;
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0,"
                + " burst = " + burst + ", packets-per-second-per-source = 1, max-sources = " + buckets + " }"));
             DatagramPeers peers = DatagramPeers.onLoopback(1, FORGED_LAST, rs.server().udpPort())) { // 0: victim
            Probe probe = new Probe(rs, peers);
            long start = System.nanoTime();
            int[] victimEchoes = new int[3];
            victimEchoes[0] = probe.fromVictim(50);
            victimEchoes[1] = probe.fromVictim(50);
            for (int p = 1; p < peers.size(); p++) {
                probe.send(p);
            }
            probe.settle(true);
            victimEchoes[2] = probe.fromVictim(50);
            double seconds = (System.nanoTime() - start) / 1e9;
            int victimTotal = Arrays.stream(victimEchoes).sum();
            long forgedTotal = probe.echoes() - victimTotal;

            assertThat(victimEchoes[0]).as("the first 50 from a fresh source, %s", transport)
                    .isGreaterThanOrEqualTo(burst);
            assertThat(victimTotal).as("echoes to 127.0.0.1 over %.2f s (%s): burst %d + 1/s; per round %s",
                    seconds, transport, burst, Arrays.toString(victimEchoes))
                    .isLessThanOrEqualTo(burst + (int) Math.floor(seconds));
            assertThat(forgedTotal).as("echoes to %d forged sources sharing %d buckets", FORGED, buckets)
                    .isLessThanOrEqualTo(buckets * (burst + (long) Math.ceil(seconds)));
            assertThat(probe.drops(UdpDrop.RATE_LIMITED)).as("every datagram not echoed was rate limited")
                    .isEqualTo(probe.received() - probe.echoes());
            log.info("FIGURE udp-burst {}: echoes to 127.0.0.1 per round of 50 {} (bound {} + 1/s x {} s); {} forged"
                    + " sources got {} echoes through {} buckets", transport, Arrays.toString(victimEchoes), burst,
                    String.format("%.2f", seconds), FORGED, forgedTotal, buckets);
        }
    }

    /** 249 sources flood at 5x the reply budget for 2 s: the echoes they all get together stay within it. */
    @EveryTransport
    void the_global_reply_budget_holds_against_many_sources_at_once(Transport transport) throws Exception {
        int budget = 500;
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0,"
                + " burst = 1000000, packets-per-second-per-source = 1000000, max-replies-per-second = " + budget
                + ", max-reply-bytes-per-second = 0 }"));
             DatagramPeers peers = DatagramPeers.onLoopback(FORGED_FIRST, FORGED_LAST, rs.server().udpPort())) {
            Flood f = new Probe(rs, peers).flood(64, 5 * budget);
            double burst = budget / 10.0;
            assertThat(f.sent).as("the flood itself: at least 3x the budget").isGreaterThanOrEqualTo(3L * budget * 2);
            assertThat(f.echoes).as("%s: echoes in %.2f s against %d/s + a burst of %.0f", transport, f.seconds,
                    budget, burst).isLessThanOrEqualTo((long) (burst + budget * f.seconds) + 1);
            assertThat(f.echoes).as("the budget is used, not starved: at least its burst")
                    .isGreaterThanOrEqualTo(Math.min(f.received, (long) burst));
            assertThat(f.globalBudgetDrops).as("drops by reason %s", f.dropsByReason)
                    .isEqualTo(f.received - f.echoes);
            log.info("FIGURE udp-global-replies {}: budget {}/s; {} sent by {} sources in 2 s, {} received, {} echoed"
                    + " over {} s = {}/s (bound {})", transport, budget, f.sent, FORGED, f.received, f.echoes,
                    String.format("%.2f", f.seconds), Math.round(f.echoes / f.seconds),
                    Math.round(burst + budget * f.seconds));
        }
    }

    /** The same with bytes: 1000-byte datagrams at 4.6x a 256 KiB/s byte budget. */
    @EveryTransport
    void the_global_byte_budget_holds_against_many_sources_at_once(Transport transport) throws Exception {
        int budget = 256 * 1024;
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "udp { enabled = true, port = 0,"
                + " burst = 1000000, packets-per-second-per-source = 1000000, max-replies-per-second = 0,"
                + " max-reply-bytes-per-second = " + budget + ", max-datagram-size = 2048 }"));
             DatagramPeers peers = DatagramPeers.onLoopback(FORGED_FIRST, FORGED_LAST, rs.server().udpPort())) {
            Flood f = new Probe(rs, peers).flood(1000, 1200);
            double burst = budget / 10.0;
            assertThat(f.sent * 1000).as("the flood itself: at least 3x the budget")
                    .isGreaterThanOrEqualTo(3L * budget * 2);
            assertThat(f.echoedBytes).as("%s: bytes echoed in %.2f s against %d B/s + a burst of %.0f B", transport,
                    f.seconds, budget, burst).isLessThanOrEqualTo((long) (burst + budget * f.seconds) + 1);
            assertThat(f.echoedBytes).as("the budget is used, not starved: at least its burst")
                    .isGreaterThanOrEqualTo(Math.min(f.received * 1000, (long) burst / 1000 * 1000));
            log.info("FIGURE udp-global-bytes {}: budget {} B/s; {} x 1000 B sent by {} sources in 2 s, {} received,"
                    + " {} B echoed over {} s = {} B/s (bound {})", transport, budget, f.sent, FORGED, f.received,
                    f.echoedBytes, String.format("%.2f", f.seconds), Math.round(f.echoedBytes / f.seconds),
                    Math.round(burst + budget * f.seconds));
        }
    }

    private record Flood(long sent, long received, long echoes, long echoedBytes, long globalBudgetDrops,
                         double seconds, java.util.Map<String, Double> dropsByReason) {
    }

    /** Sends from the peers and counts, per peer, the echoes that came back, each checked against what it sent. */
    private static final class Probe {
        private final RunningEchoport rs;
        private final DatagramPeers peers;
        private final InetSocketAddress server;
        private final byte[][] payloads;
        private final long[] echoes;
        private long echoedBytes;
        private long sent;

        Probe(RunningEchoport rs, DatagramPeers peers) {
            this.rs = rs;
            this.peers = peers;
            this.server = new InetSocketAddress("127.0.0.1", rs.server().udpPort());
            this.payloads = new byte[peers.size()][];
            this.echoes = new long[peers.size()];
        }

        /** Sends 50 (or {@code n}) datagrams from peer 0 and returns how many came back once all were decided. */
        int fromVictim(int n) throws IOException {
            long before = echoes[0];
            for (int i = 0; i < n; i++) {
                send(0);
            }
            settle(true);
            return (int) (echoes[0] - before);
        }

        void send(int peer) throws IOException {
            send(peer, 64);
        }

        private void send(int peer, int size) throws IOException {
            if (payloads[peer] == null) {
                payloads[peer] = Clients.randomBytes(size, peer);
            }
            if (peers.send(peer, payloads[peer], server)) {
                sent++;
            }
        }

        /**
         * Sends from every peer in turn at {@code perSecond} for 2 s, then waits until the server has decided every
         * datagram it received and every echo it counted has arrived.
         */
        Flood flood(int size, int perSecond) throws IOException {
            long period = 1_000_000_000L / perSecond;
            long start = System.nanoTime();
            for (long i = 0; i * period < FLOOD_NANOS; i++) {
                long wait = start + i * period - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the flood, not waiting for the server
                }
                send((int) (i % peers.size()), size);
            }
            // Loopback drops what the server's socket buffer cannot hold, so not all may arrive. The window ends at the
            // last change of the server's decision count that we saw: every decision was made before we saw it.
            long[] lastChange = {decided(), System.nanoTime()};
            Await.holds(() -> {
                long d = decided();
                if (d != lastChange[0]) {
                    lastChange[0] = d;
                    lastChange[1] = System.nanoTime();
                }
                return received() == sent && d == sent;
            }, Duration.ofSeconds(5));
            settle(false);
            long end = decided() == lastChange[0] ? lastChange[1] : System.nanoTime();
            java.util.Map<String, Double> byReason = new java.util.TreeMap<>();
            for (UdpDrop r : UdpDrop.values()) {
                byReason.put(r.label(), drops(r));
            }
            return new Flood(sent, received(), echoes(), echoedBytes, (long) drops(UdpDrop.GLOBAL_BUDGET),
                    (end - start) / 1e9, byReason);
        }

        /**
         * Waits until every datagram the server received is decided and every echo it sent has arrived here; with
         * {@code everyDatagramArrives}, until it has received all that were sent (a few at a time never overflow it).
         */
        void settle(boolean everyDatagramArrives) {
            Await.until("the server to receive " + (everyDatagramArrives ? "all " + sent : "what arrived of " + sent)
                    + " datagrams and decide each", () -> received() == decided()
                    && (!everyDatagramArrives || received() == sent));
            Await.until("every echo counted as sent to arrive", () -> {
                drainAll();
                return echoes() == (long) rs.counter(ProtocolMetrics.UDP_DATAGRAMS_SENT);
            });
        }

        private void drainAll() {
            try {
                for (int p = 0; p < peers.size(); p++) {
                    for (byte[] echo : peers.drain(p)) {
                        assertThat(echo).as("echo to peer %d is what it sent", p).isEqualTo(payloads[p]);
                        echoes[p]++;
                        echoedBytes += echo.length;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        long echoes() {
            return Arrays.stream(echoes).sum();
        }

        long received() {
            return (long) rs.counter(ProtocolMetrics.UDP_DATAGRAMS_RECEIVED);
        }

        double drops(UdpDrop reason) {
            return rs.counter(ProtocolMetrics.UDP_DROPPED, "reason", reason.label());
        }

        private long decided() {
            double d = rs.counter(ProtocolMetrics.UDP_DATAGRAMS_SENT);
            for (UdpDrop r : UdpDrop.values()) {
                d += drops(r);
            }
            return (long) d;
        }
    }
}
