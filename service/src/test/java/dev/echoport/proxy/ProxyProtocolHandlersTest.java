package dev.echoport.proxy;

import dev.echoport.admission.AcceptAdmissionHandler;
import dev.echoport.admission.Admission;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.testsupport.EmbeddedConnection;
import dev.echoport.testsupport.Meters;
import dev.echoport.testsupport.ProxyHeaders;
import dev.echoport.transport.ListenerPause;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.echoport.testsupport.ProxyHeaders.concat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The PROXY protocol handlers on embedded channels: what is read before a decision, who is refused for what, and
 * which address admission counts. 10.0.0.1 plays the trusted load balancer, 10.0.0.66 anyone else.
 */
class ProxyProtocolHandlersTest {
    private static final byte[] PING = {'p', 'i', 'n', 'g'};
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<Channel> echoing = new ArrayList<>();
    private Admission admission;

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        housekeeping.shutdownNow();
    }

    @Test
    void a_header_from_the_trusted_proxy_is_consumed_and_its_client_counted() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.REQUIRED), "10.0.0.1");
        assertThat(admission.counts().active()).as("a slot from accept, header pending").isEqualTo(1);
        c.writeInbound(Unpooled.wrappedBuffer(concat(ProxyHeaders.v1("203.0.113.7", 5000, 7007), PING)));
        assertThat(echoing).containsExactly(c);
        assertThat(read(c)).as("only the bytes after the header go on").isEqualTo(PING);
        assertThat(admission.counts().activeFrom(address("203.0.113.7"))).isEqualTo(1);
        assertThat(admission.counts().activeFrom(address("10.0.0.1"))).isZero();
        assertThat(c.attr(ConnectionLifecycleHandler.CLIENT_ADDRESS).get())
                .isEqualTo(new InetSocketAddress("203.0.113.7", 5000));
        c.close();
        assertThat(admission.counts().active()).isZero();
    }

    @Test
    void an_untrusted_peer_is_refused_once_its_signature_is_complete() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.OPTIONAL), "10.0.0.66");
        ByteBuf attack = Unpooled.wrappedBuffer(concat(ProxyHeaders.v2FixedPart(65_535), new byte[60_000]));
        c.writeInbound(attack);
        assertThat(c.isOpen()).isFalse();
        assertThat(rejected("untrusted_proxy")).isEqualTo(1.0);
        assertThat(echoing).isEmpty();
        assertThat(admission.counts().active()).isZero();
    }

    @Test
    void a_v2_header_announcing_more_than_the_limit_is_refused_on_its_fixed_part() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.REQUIRED), "10.0.0.1");
        c.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2FixedPart(5_000)));
        assertThat(c.isOpen()).isFalse();
        assertThat(rejected("proxy_header")).isEqualTo(1.0);
        assertThat(admission.counts().active()).isZero();
    }

    @Test
    void optional_mode_takes_a_first_byte_that_cannot_start_a_header_as_a_direct_client() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.OPTIONAL), "10.0.0.1");
        c.writeInbound(Unpooled.wrappedBuffer(PING));
        assertThat(echoing).containsExactly(c);
        assertThat(read(c)).isEqualTo(PING);
        assertThat(admission.counts().activeFrom(address("10.0.0.1"))).isEqualTo(1);
    }

    @Test
    void required_mode_refuses_data_that_is_not_a_header_and_a_silent_client_at_the_timeout() {
        EmbeddedConnection noHeader = connect(mode(ProtocolSettings.ProxyMode.REQUIRED), "10.0.0.1");
        noHeader.writeInbound(Unpooled.wrappedBuffer("GET / HTTP/1.1\r\n".getBytes()));
        assertThat(noHeader.isOpen()).isFalse();
        EmbeddedConnection silent = connectAgain("10.0.0.1");
        silent.advanceTimeBy(2, TimeUnit.SECONDS);
        silent.runScheduledPendingTasks();
        assertThat(silent.isOpen()).isFalse();
        assertThat(rejected("proxy_header")).isEqualTo(2.0);
        assertThat(admission.counts().active()).isZero();
    }

    @Test
    void a_required_mode_peer_outside_trusted_proxies_is_refused_at_accept() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.REQUIRED), "10.0.0.66");
        assertThat(c.isOpen()).isFalse();
        assertThat(rejected("untrusted_proxy")).isEqualTo(1.0);
    }

    @Test
    void a_local_header_counts_the_proxy_itself() {
        EmbeddedConnection c = connect(mode(ProtocolSettings.ProxyMode.REQUIRED), "10.0.0.1");
        c.writeInbound(Unpooled.wrappedBuffer(concat(ProxyHeaders.v2Local(), PING)));
        assertThat(read(c)).isEqualTo(PING);
        assertThat(admission.counts().activeFrom(address("10.0.0.1"))).isEqualTo(1);
    }

    @Test
    void per_ip_limits_apply_to_the_client_in_the_header() {
        ProtocolSettings.Proxy proxy = mode(ProtocolSettings.ProxyMode.REQUIRED);
        EmbeddedConnection a = connect(proxy, AdmissionRules.unlimited().withMaxConnectionsPerIp(1), "10.0.0.1");
        EmbeddedConnection b = connectAgain("10.0.0.1");
        a.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2("198.51.100.1", 1, 7007)));
        b.writeInbound(Unpooled.wrappedBuffer(ProxyHeaders.v2("198.51.100.1", 2, 7007)));
        assertThat(a.isOpen()).isTrue();
        assertThat(b.isOpen()).isFalse();
        assertThat(rejected("max_per_ip")).isEqualTo(1.0);
        assertThat(admission.counts().active()).isEqualTo(1);
    }

    private static ProtocolSettings.Proxy mode(ProtocolSettings.ProxyMode mode) {
        return new ProtocolSettings.Proxy(mode, List.of(Cidr.parse("10.0.0.1/32")), Duration.ofSeconds(1), 4096);
    }

    private EmbeddedChannel listener;

    private EmbeddedConnection connect(ProtocolSettings.Proxy settings, String ip) {
        return connect(settings, AdmissionRules.unlimited(), ip);
    }

    /** A listener with admission in front of the PROXY protocol handlers, and one connection accepted on it. */
    private EmbeddedConnection connect(ProtocolSettings.Proxy settings, AdmissionRules rules, String ip) {
        ProxyProtocol proxy = new ProxyProtocol(settings);
        EchoMetrics metrics = new EchoMetrics(registry);
        metrics.port(7007); // as the server does once its listener is bound: every series exists, at zero
        admission = new Admission(rules, Optional.empty(), 0, false, metrics, housekeeping,
                proxy::explain);
        listener = new EmbeddedChannel();
        channels.add(listener);
        listener.pipeline().addLast(new AcceptAdmissionHandler(admission, new ListenerPause(listener),
                proxy::clientAtAccept), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) { // Netty's acceptor, here
                        Channel ch = (Channel) msg;
                        proxy.addHandlers(ch.pipeline(), admission, admitted -> echoing.add(admitted));
                    }
                });
        return connectAgain(ip);
    }

    private EmbeddedConnection connectAgain(String ip) {
        EmbeddedConnection c = new EmbeddedConnection(ip);
        channels.add(c);
        listener.pipeline().fireChannelRead(c);
        listener.pipeline().fireChannelReadComplete();
        return c;
    }

    private static byte[] read(EmbeddedChannel c) {
        ByteBuf b = c.readInbound();
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private double rejected(String reason) {
        return Meters.sum(registry, EchoMetrics.CONNECTIONS_REJECTED, "port", "7007", "reason", reason);
    }

    private static InetAddress address(String ip) {
        return new InetSocketAddress(ip, 0).getAddress();
    }
}
