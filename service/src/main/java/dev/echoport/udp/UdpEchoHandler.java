package dev.echoport.udp;

import dev.echoport.admission.Addresses;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.metrics.ProtocolMetrics.UdpDrop;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.List;
import java.util.function.Supplier;

/**
 * RFC 862 over UDP, made so that it cannot be used as a reflector: each datagram goes back to its sender with the same
 * bytes (so never larger) unless, checked in this order, it is larger than udp.max-datagram-size ({@code too_large}),
 * its source is refused by admission.allow/deny ({@code denied}) or is one a reply could loop with
 * ({@code unsafe_source}, see {@link UnsafeSources}), its source's bucket is empty ({@code rate_limited}), the
 * process-wide reply budget is spent ({@code global_budget}), or the socket cannot take the reply even after a flush
 * ({@code socket_full}). Budgets are spent only on replies actually written. One instance per UDP channel, so
 * everything here runs on that channel's single event loop.
 */
public final class UdpEchoHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(UdpEchoHandler.class);

    private final ProtocolSettings.Udp udp;
    private final Supplier<AdmissionRules> rules;
    private final ProtocolMetrics metrics;
    private final SourceRateLimiter sources;
    private final ReplyBudget budget;
    private int ownPort = -1;
    private final FaultInjector faults;

    /** @param faults decides whether a datagram that passed every check is dropped on purpose (faults.udp-drop) */
    public UdpEchoHandler(ProtocolSettings.Udp udp, Supplier<AdmissionRules> rules, ProtocolMetrics metrics,
                          FaultInjector faults) {
        super(false); // the buffer is reused for the reply; released here only when dropped
        this.udp = udp;
        this.rules = rules;
        this.metrics = metrics;
        long now = System.nanoTime();
        this.sources = new SourceRateLimiter(udp.packetsPerSecondPerSource(), udp.burst(), udp.maxSources(),
                new SecureRandom(), now);
        this.budget = new ReplyBudget(udp.maxRepliesPerSecond(), udp.maxReplyBytesPerSecond(), udp.maxDatagramSize(),
                now);
        this.faults = faults;
    }

    /** Sources answered within the last minute (buckets used); read by the gauge from another thread. */
    public int trackedSources() {
        return sources.activeSources(System.nanoTime());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().localAddress() instanceof InetSocketAddress local) {
            ownPort = local.getPort(); // bound by now: replies to this port could loop with a twin echo
        }
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        int size = packet.content().readableBytes();
        metrics.udpReceived(size);
        InetSocketAddress sender = packet.sender();
        long now = System.nanoTime();
        int bucket = -1;
        UdpDrop drop = null;
        if (size > udp.maxDatagramSize()) {
            drop = UdpDrop.TOO_LARGE;
        } else if (!admitted(sender)) {
            drop = UdpDrop.DENIED;
        } else if (UnsafeSources.refused(sender, ownPort)) {
            drop = UdpDrop.UNSAFE_SOURCE;
        } else if (faults.dropDatagram()) {
            drop = UdpDrop.FAULT; // on purpose (faults.udp-drop), before any budget is spent, like a lossy path
        } else if (!sources.allows(bucket = sources.bucketOf(Addresses.canonical(sender.getAddress())), now)) {
            // canonical: on a dual-stack socket IPv4 sources arrive IPv4-mapped, and would all share one IPv6 /64
            drop = UdpDrop.RATE_LIMITED;
        } else if (!budget.allows(size, now)) {
            drop = UdpDrop.GLOBAL_BUDGET;
        } else if (!canTakeReply(ctx)) {
            drop = UdpDrop.SOCKET_FULL;
        }
        if (drop != null) {
            metrics.udpDropped(drop);
            packet.release();
            return;
        }
        sources.take(bucket, now);
        budget.take(size);
        ctx.write(new DatagramPacket(packet.content(), sender)).addListener(f -> {
            if (f.isSuccess()) {
                metrics.udpSent(size);
            } else {
                metrics.udpDropped(UdpDrop.WRITE_FAILED);
            }
        });
    }

    /**
     * Replies queue until the read batch ends, so the queue may pass the high watermark with a socket that has room:
     * flush, and only if the socket still cannot take them is it full. Never queue past it: the reply is dropped.
     */
    private static boolean canTakeReply(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (ch.isWritable()) {
            return true;
        }
        ctx.flush();
        return ch.isWritable();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket outlives errors such as ICMP port unreachable from an earlier reply: keep serving.
        log.debug("UDP error: {}", cause.toString());
    }

    private boolean admitted(InetSocketAddress sender) {
        AdmissionRules r = rules.get();
        return !anyMatch(r.deny(), sender) && (r.allow().isEmpty() || anyMatch(r.allow(), sender));
    }

    private static boolean anyMatch(List<Cidr> cidrs, InetSocketAddress a) {
        for (int i = 0; i < cidrs.size(); i++) {
            if (cidrs.get(i).matches(a)) {
                return true;
            }
        }
        return false;
    }
}
