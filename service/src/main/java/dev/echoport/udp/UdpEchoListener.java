package dev.echoport.udp;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.faults.FaultInjector;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.transport.BindFailedException;
import dev.echoport.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The UDP echo listener: one datagram socket on its own single event loop (one socket is served by one thread on
 * every transport, OIO included), built from the udp settings. Binds or fails with {@link BindFailedException}.
 */
public final class UdpEchoListener implements AutoCloseable {
    /**
     * Replies queued for the socket at most (plus the one being added): two of the largest datagrams. Past it a reply
     * is dropped ({@code socket_full}), never queued, so a socket the kernel cannot drain cannot grow the heap.
     */
    static final WriteBufferWaterMark REPLY_QUEUE = new WriteBufferWaterMark(64 * 1024, 128 * 1024);

    private final EventLoopGroup group;
    private final Channel channel;

    private UdpEchoListener(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code host}:{@code udp.port()}; on failure its thread is released before the exception leaves. */
    public static UdpEchoListener bind(Transport transport, String host, boolean reuseAddress,
                                       ProtocolSettings.Udp udp, Supplier<AdmissionRules> rules,
                                       ProtocolMetrics metrics, FaultInjector faults) {
        EventLoopGroup group = transport.newEventLoopGroup(1, "echoport-udp");
        UdpEchoHandler handler = new UdpEchoHandler(udp, rules, metrics, faults);
        ChannelFuture bind = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannelClass())
                .option(ChannelOption.SO_REUSEADDR, reuseAddress)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, REPLY_QUEUE)
                // one byte over the limit shows a datagram was too large (the kernel truncates to the buffer)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                        Math.min(65536, udp.maxDatagramSize() + 1)))
                .handler(handler)
                .bind(host, udp.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
            throw new BindFailedException("echoport.udp.port", host, udp.port(), bind.cause());
        }
        metrics.bindUdp(handler::trackedSources);
        return new UdpEchoListener(group, bind.channel());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Closes the socket: no datagram is read or answered after this. Idempotent. */
    public void stop() {
        channel.close().awaitUninterruptibly();
    }

    /** Closes the socket and stops its thread. */
    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
