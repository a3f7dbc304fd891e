package dev.echoport.admission;

import dev.echoport.metrics.EchoMetrics;
import dev.echoport.testsupport.EmbeddedConnection;
import dev.echoport.testsupport.Meters;
import dev.echoport.transport.ListenerPause;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The condition function's decisions and releases, on an embedded listening channel (no sockets): what is passed on
 * to registration, what is closed, what is held and when the listener stops and resumes accepting.
 */
class AcceptAdmissionHandlerTest {
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final EchoMetrics metrics = new EchoMetrics(registry);

    {
        metrics.port(7007); // as the server does once its listener is bound: every series exists, at zero
    }
    private final List<Channel> registered = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
        housekeeping.shutdownNow();
    }

    @Test
    void admits_under_the_limit_and_releases_each_slot_exactly_once() {
        Admission admission = admission(rules().withMaxConnections(2));
        EmbeddedChannel listener = listener(admission);
        EmbeddedConnection a = accept(listener, "10.0.0.1");
        EmbeddedConnection b = accept(listener, "10.0.0.1");
        assertThat(registered).containsExactly(a, b);
        assertThat(admission.counts().active()).isEqualTo(2);
        assertThat(admission.counts().activeFrom(a.remoteAddress().getAddress())).isEqualTo(2);

        a.close();
        a.close();
        assertThat(admission.counts().active()).as("a second close releases nothing").isEqualTo(1);
        b.close();
        assertThat(admission.counts().active()).isZero();
        assertThat(admission.addresses()).isZero();
        assertThat(Meters.sum(registry, EchoMetrics.CONNECTIONS_ACCEPTED, "port", "7007")).isEqualTo(2.0);
    }

    @Test
    void refuses_over_the_limit_without_passing_it_on() {
        Admission admission = admission(rules().withMaxConnections(1));
        EmbeddedChannel listener = listener(admission);
        accept(listener, "10.0.0.1");
        EmbeddedConnection refused = accept(listener, "10.0.0.2");
        assertThat(registered).doesNotContain(refused);
        assertThat(refused.isOpen()).isFalse();
        assertThat(rejected("max_connections")).isEqualTo(1.0);
        assertThat(admission.counts().active()).isEqualTo(1);
    }

    @Test
    void a_deferred_connection_is_held_until_a_slot_frees_and_the_listener_pauses_meanwhile() {
        Admission admission = admission(rules().withMaxConnections(1)
                .withOverLimit(AdmissionRules.OverLimit.DEFER, Duration.ofSeconds(30)));
        EmbeddedChannel listener = listener(admission);
        EmbeddedConnection first = accept(listener, "10.0.0.1");
        EmbeddedConnection waiting = accept(listener, "10.0.0.2");
        assertThat(registered).containsExactly(first);
        assertThat(waiting.isOpen()).as("held, not refused").isTrue();
        assertThat(listener.config().isAutoRead()).as("the listener stops accepting").isFalse();
        assertThat(registry.counter(EchoMetrics.CONNECTIONS_DEFERRED).count()).isEqualTo(1.0);

        first.close(); // the freed slot goes to the held connection, on the listener's loop
        listener.runPendingTasks();
        assertThat(registered).containsExactly(first, waiting);
        assertThat(admission.counts().activeFrom(waiting.remoteAddress().getAddress())).isEqualTo(1);
        assertThat(listener.config().isAutoRead()).as("accepting again").isTrue();
    }

    @Test
    void a_held_connection_is_refused_at_its_deadline() {
        Admission admission = admission(rules().withMaxConnections(1)
                .withOverLimit(AdmissionRules.OverLimit.DEFER, Duration.ofMillis(200)));
        EmbeddedChannel listener = listener(admission);
        accept(listener, "10.0.0.1");
        EmbeddedConnection waiting = accept(listener, "10.0.0.2");
        listener.advanceTimeBy(250, TimeUnit.MILLISECONDS);
        listener.runScheduledPendingTasks();
        assertThat(waiting.isOpen()).isFalse();
        assertThat(rejected("defer_timeout")).isEqualTo(1.0);
        assertThat(listener.config().isAutoRead()).isTrue();
    }

    @Test
    void raising_the_limit_admits_held_connections_at_once() {
        AdmissionRules deferAtOne = rules().withMaxConnections(1)
                .withOverLimit(AdmissionRules.OverLimit.DEFER, Duration.ofSeconds(30));
        Admission admission = admission(deferAtOne);
        EmbeddedChannel listener = listener(admission);
        accept(listener, "10.0.0.1");
        EmbeddedConnection waiting = accept(listener, "10.0.0.2");
        admission.updateRules(deferAtOne.withMaxConnections(5));
        listener.runPendingTasks();
        assertThat(registered).contains(waiting);
        assertThat(admission.counts().active()).isEqualTo(2);
    }

    @Test
    void nobody_overtakes_a_held_connection() {
        // A policy that defers 10.0.0.2 until told otherwise: the connection after it waits too, though a slot is free.
        boolean[] release = {false};
        AdmissionPolicy holdTwo = (peer, local, counts) -> !release[0] && peer.getHostString().equals("10.0.0.2")
                ? Decision.DEFER : Decision.ACCEPT;
        Admission admission = new Admission(rules(), Optional.of(holdTwo), 0, false, metrics, housekeeping,
                reason -> reason.label());
        EmbeddedChannel listener = listener(admission);
        EmbeddedConnection held = accept(listener, "10.0.0.2");
        EmbeddedConnection behind = accept(listener, "10.0.0.3");
        assertThat(registered).isEmpty();
        release[0] = true;
        admission.updateRules(rules());
        listener.runPendingTasks();
        assertThat(registered).containsExactly(held, behind);
    }

    @Test
    void per_ip_and_cidr_rules_refuse_with_their_reasons() {
        Admission admission = admission(rules().withMaxConnectionsPerIp(1)
                .withCidrs(List.of(), List.of(Cidr.parse("192.0.2.0/24"))));
        EmbeddedChannel listener = listener(admission);
        accept(listener, "10.0.0.1");
        assertThat(accept(listener, "10.0.0.1").isOpen()).isFalse();
        assertThat(accept(listener, "192.0.2.9").isOpen()).isFalse();
        assertThat(rejected("max_per_ip")).isEqualTo(1.0);
        assertThat(rejected("denied")).isEqualTo(1.0);
    }

    @Test
    void a_throwing_policy_refuses_with_reason_policy() {
        Admission admission = new Admission(rules(), Optional.of((peer, local, counts) -> {
            throw new IllegalStateException("boom");
        }), 0, false, metrics, housekeeping, reason -> reason.label());
        assertThat(accept(listener(admission), "10.0.0.1").isOpen()).isFalse();
        assertThat(rejected("policy")).isEqualTo(1.0);
        assertThat(admission.counts().active()).isZero();
    }

    private static AdmissionRules rules() {
        return AdmissionRules.unlimited();
    }

    private Admission admission(AdmissionRules rules) {
        return new Admission(rules, Optional.empty(), 0, false, metrics, housekeeping, reason -> reason.label());
    }

    /** A listening channel: backoff-free, admission, then a stand-in for Netty's acceptor that records what passed. */
    private EmbeddedChannel listener(Admission admission) {
        EmbeddedChannel listener = new EmbeddedChannel();
        ListenerPause pause = new ListenerPause(listener);
        listener.pipeline().addLast(new AcceptAdmissionHandler(admission, pause, peer -> ClientAtAccept.PEER),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        registered.add((Channel) msg);
                    }
                });
        channels.add(listener);
        return listener;
    }

    /** One accept batch of one connection from {@code ip}. */
    private EmbeddedConnection accept(EmbeddedChannel listener, String ip) {
        EmbeddedConnection child = new EmbeddedConnection(ip);
        channels.add(child);
        listener.pipeline().fireChannelRead(child);
        listener.pipeline().fireChannelReadComplete();
        return child;
    }

    private double rejected(String reason) {
        return Meters.sum(registry, EchoMetrics.CONNECTIONS_REJECTED, "port", "7007", "reason", reason);
    }
}
