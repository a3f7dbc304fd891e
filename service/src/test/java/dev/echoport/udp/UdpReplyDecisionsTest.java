package dev.echoport.udp;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.config.FaultSettings;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.ProtocolMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link UdpEchoHandler} decides for each datagram, on an {@link EmbeddedChannel}: echo, or drop and count by
 * reason, in the documented order; budgets spent only on replies written; the reply queue bounded.
 */
class UdpReplyDecisionsTest {
    private static final FaultInjector NO_FAULTS = new FaultInjector(FaultSettings.off(), new SimpleMeterRegistry());

    private static final InetSocketAddress SERVER = new InetSocketAddress("192.0.2.100", 7007);
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ProtocolMetrics metrics = new ProtocolMetrics(registry);
    private EmbeddedChannel ch;

    @AfterEach
    void release() {
        if (ch != null) {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void each_reason_is_decided_in_order_and_counted() {
        ch = channel(udp(100, 1_000_000, 1_000_000, 0, 0), AdmissionRules.unlimited().withCidrs(List.of(),
                List.of(Cidr.parse("198.51.100.0/24"))));
        receive(101, "203.0.113.1", 40000); // too large, from an address that is also fine otherwise
        receive(101, "198.51.100.1", 7);    // too large beats denied and unsafe: the cheapest check first
        receive(10, "198.51.100.1", 7);     // denied beats unsafe_source
        receive(10, "203.0.113.1", 19);     // unsafe_source (chargen)
        receive(10, "203.0.113.1", 40000);  // echoed
        receive(0, "203.0.113.2", 40000);   // an empty datagram is echoed too
        assertThat(drops("too_large")).isEqualTo(2);
        assertThat(drops("denied")).isEqualTo(1);
        assertThat(drops("unsafe_source")).isEqualTo(1);
        DatagramPacket reply = ch.readOutbound();
        assertThat(reply.recipient()).isEqualTo(new InetSocketAddress("203.0.113.1", 40000));
        assertThat(reply.content().readableBytes()).isEqualTo(10);
        reply.release();
        DatagramPacket empty = ch.readOutbound();
        assertThat(empty.content().readableBytes()).isZero();
        empty.release();
        assertThat((Object) ch.readOutbound()).isNull();
        assertThat(counter("echoport.udp.datagrams.sent")).isEqualTo(2);
        assertThat(counter("echoport.udp.datagrams.received")).isEqualTo(6);
    }

    @Test
    void a_source_gets_its_burst_and_the_rest_are_rate_limited() {
        ch = channel(udp(65507, 1, 3, 0, 0), AdmissionRules.unlimited());
        long start = System.nanoTime();
        for (int i = 0; i < 10; i++) {
            receive(8, "203.0.113.1", 40000);
        }
        receive(8, "203.0.113.2", 40000); // another source: its own bucket (or, sharing, less: never more)
        double seconds = (System.nanoTime() - start) / 1e9;
        int toFirst = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            DatagramPacket reply = (DatagramPacket) o;
            toFirst += reply.recipient().getHostString().equals("203.0.113.1") ? 1 : 0;
            reply.release();
        }
        assertThat(toFirst).as("replies to one source with burst 3 at 1/s within %.3f s", seconds)
                .isBetween(3, 3 + (int) seconds);
        assertThat(counter("echoport.udp.datagrams.sent") + drops("rate_limited")).isEqualTo(11);
    }

    @Test
    void the_global_reply_budget_holds_across_sources() {
        ch = channel(udp(65507, 1_000_000, 1_000_000, 1000, 0), AdmissionRules.unlimited());
        long start = System.nanoTime();
        for (int i = 0; i < 300; i++) { // 300 sources, one datagram each: only the global budget applies
            receive(8, "10.0." + (i / 250) + "." + (i % 250 + 1), 40000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(counter("echoport.udp.datagrams.sent")).as("1000/s after a burst of 100, over %.3f s", seconds)
                .isBetween(100.0, 100 + Math.ceil(1000 * seconds) + 1);
        assertThat(drops("global_budget")).isEqualTo(300 - counter("echoport.udp.datagrams.sent"));
    }

    @Test
    void the_global_byte_budget_holds_across_sources() {
        ch = channel(udp(2048, 1_000_000, 1_000_000, 0, 100_000), AdmissionRules.unlimited());
        long start = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            receive(1000, "10.1.0." + (i + 1), 40000);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(counter("echoport.udp.bytes.sent")).as("100,000 B/s after a burst of 10,000 B, over %.3f s",
                seconds).isBetween(10_000.0, 10_000 + Math.ceil(100_000 * seconds) + 1000);
    }

    /**
     * A socket that never drains (flushes swallowed): replies queue up to the high watermark, then each is dropped as
     * socket_full, never queued; and a dropped reply spends no budget, so once the socket drains the source still
     * has its burst.
     */
    @Test
    void a_full_socket_drops_replies_and_spends_no_budget() {
        ChannelOutboundHandlerAdapter stuck = new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                // the socket takes nothing
            }
        };
        ch = new EmbeddedChannel(stuck,
                new UdpEchoHandler(udp(65507, 1, 5, 0, 0), AdmissionRules::unlimited, metrics, NO_FAULTS));
        metrics.bindUdp(() -> 0);
        ch.config().setWriteBufferWaterMark(UdpEchoListener.REPLY_QUEUE);
        for (int i = 0; i < 10; i++) {
            receive(60_000, "203.0.113.1", 40000);
            assertThat(ch.unsafe().outboundBuffer().totalPendingWriteBytes()).as("bytes queued for the socket")
                    .isLessThanOrEqualTo(UdpEchoListener.REPLY_QUEUE.high() + 60_000 + 96);
        }
        assertThat(drops("socket_full")).as("replies beyond the queue bound").isEqualTo(7);
        assertThat(drops("rate_limited")).as("burst 5: three queued replies spent three").isZero();

        ch.pipeline().remove(stuck);
        ch.flush(); // the socket drains
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ((DatagramPacket) o).release();
        }
        receive(8, "203.0.113.1", 40000);
        receive(8, "203.0.113.1", 40000);
        assertThat(counter("echoport.udp.datagrams.sent")).as("3 drained + the 2 tokens the drops did not spend")
                .isEqualTo(5);
    }

    private EmbeddedChannel channel(ProtocolSettings.Udp udp, AdmissionRules rules) {
        EmbeddedChannel c = new EmbeddedChannel(new UdpEchoHandler(udp, () -> rules, metrics, NO_FAULTS));
        metrics.bindUdp(() -> 0);
        return c;
    }

    private void receive(int size, String from, int port) {
        ByteBuf content = Unpooled.buffer(size).writeZero(size);
        ch.writeInbound(new DatagramPacket(content, SERVER, new InetSocketAddress(from, port)));
    }

    private double drops(String reason) {
        return registry.get("echoport.udp.datagrams.dropped").tag("reason", reason).counter().count();
    }

    private double counter(String name) {
        return registry.get(name).functionCounter().count();
    }

    private static ProtocolSettings.Udp udp(int maxSize, int perSource, int burst, int replies, int bytes) {
        return new ProtocolSettings.Udp(true, 0, maxSize, perSource, burst, 100_000, replies, bytes);
    }
}
