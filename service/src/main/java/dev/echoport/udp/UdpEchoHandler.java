package dev.echoport.udp;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.metrics.ProtocolMetrics.UdpDrop;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;

/**
 * RFC 862 over UDP: each datagram goes back to its sender with the same bytes, unless its source is refused by
 * admission.allow/deny, is over its per-source rate, or the datagram is larger than udp.max-datagram-size. The reply
 * is the request's own buffer, so it can never be larger. One instance per UDP channel (one event loop).
 */
public final class UdpEchoHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final ProtocolSettings.Udp udp;
    private final Supplier<AdmissionRules> rules;
    private final ProtocolMetrics metrics;
    private final SourceRateLimiter limiter;
    private final FaultInjector faults;
    private volatile int trackedSources;

    /** @param faults decides whether a datagram that passed every check is dropped on purpose (faults.udp-drop) */
    public UdpEchoHandler(ProtocolSettings.Udp udp, Supplier<AdmissionRules> rules, ProtocolMetrics metrics,
                          FaultInjector faults) {
        super(false); // the buffer is reused for the reply; released here only when dropped
        this.udp = udp;
        this.rules = rules;
        this.metrics = metrics;
        this.limiter = new SourceRateLimiter(udp.packetsPerSecondPerSource(), udp.burst(), udp.maxSources());
        this.faults = faults;
    }

    /** Source addresses whose rate is tracked now (read by the gauge from another thread). */
    public int trackedSources() {
        return trackedSources;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        int size = packet.content().readableBytes();
        metrics.udpReceived(size);
        InetSocketAddress sender = packet.sender();
        UdpDrop drop = size > udp.maxDatagramSize() ? UdpDrop.TOO_LARGE
                : !admitted(sender) ? UdpDrop.DENIED
                : !limiter.tryAcquire(sender.getAddress(), System.nanoTime()) ? UdpDrop.RATE_LIMITED
                : faults.dropDatagram() ? UdpDrop.FAULT // testtarget-modes: after the real checks, like a lossy path
                : null;
        trackedSources = limiter.size();
        if (drop != null) {
            metrics.udpDropped(drop);
            packet.release();
            return;
        }
        ctx.write(new DatagramPacket(packet.content(), sender)).addListener(f -> {
            if (f.isSuccess()) {
                metrics.udpSent(size);
            } else {
                metrics.udpDropped(UdpDrop.WRITE_FAILED);
            }
        });
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A datagram socket outlives errors such as ICMP port unreachable from an earlier reply: keep serving.
        org.slf4j.LoggerFactory.getLogger(UdpEchoHandler.class).debug("UDP error: {}", cause.toString());
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
