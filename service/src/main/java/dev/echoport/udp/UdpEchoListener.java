package dev.echoport.udp;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.transport.BindFailedException;
import dev.echoport.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The UDP echo listener: one datagram channel of the configured transport on its own single event loop (one datagram
 * socket is served by one thread on every transport, OIO included), with {@link UdpEchoHandler}.
 */
public final class UdpEchoListener implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;

    private UdpEchoListener(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Binds {@code host}:{@code udp.port()}; on failure frees its thread and throws naming the key. */
    public static UdpEchoListener bind(Transport transport, String host, boolean reuseAddress,
                                       ProtocolSettings.Udp udp, Supplier<AdmissionRules> rules,
                                       ProtocolMetrics metrics) {
        EventLoopGroup group = transport.newEventLoopGroup(1, "echoport-udp");
        UdpEchoHandler handler = new UdpEchoHandler(udp, rules, metrics);
        metrics.bindUdp(handler::trackedSources);
        ChannelFuture bind = new Bootstrap()
                .group(group)
                .channel(transport.datagramChannelClass())
                .option(ChannelOption.SO_REUSEADDR, reuseAddress)
                // one byte over the limit shows a datagram was too large (the kernel truncates to the buffer)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(
                        Math.min(65536, udp.maxDatagramSize() + 1)))
                .handler(handler)
                .bind(host, udp.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            throw new BindFailedException("echoport.udp.port", host, udp.port(), bind.cause());
        }
        return new UdpEchoListener(group, bind.channel());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Stops receiving; the thread is freed by {@link #close()}. */
    public void stop() {
        channel.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        stop();
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
}
