package dev.echoport.loadgen.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

import java.net.InetSocketAddress;

/**
 * Netty's own example echo server and nothing else, the benchmark's reference: {@code ctx.write(msg)} on read,
 * {@code ctx.flush()} on read complete, one {@link MultiThreadIoEventLoopGroup} with Netty's default thread count for
 * accepting and serving, {@code TCP_NODELAY}, every other setting Netty's default (4.2: the adaptive allocator,
 * 32/64 KiB watermarks, io_uring's multishot accept). Deliberately free of echoport's code: it does not go through
 * {@code dev.echoport.transport.Transport}, whose class initialiser changes a Netty io_uring default.
 *
 * <p>Its own {@code main}, not a picocli command, so that nothing but Netty is loaded:
 * {@code java -cp loadgen.jar dev.echoport.loadgen.bench.CanonicalEchoServer epoll|io_uring|nio PORT}. Prints
 * {@code listening on PORT} once bound and runs until the process is stopped.
 */
public final class CanonicalEchoServer {
    private CanonicalEchoServer() {
    }

    /** Netty's {@code EchoServerHandler}: stateless, so shared as in the example. */
    @ChannelHandler.Sharable
    static final class EchoServerHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            System.err.println("canonical echo: " + cause); // the example prints the stack trace; one line will do
            ctx.close();
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: CanonicalEchoServer epoll|io_uring|nio PORT");
            System.exit(2);
        }
        IoHandlerFactory factory;
        Class<? extends ServerChannel> channel;
        switch (args[0]) {
            case "epoll" -> {
                factory = EpollIoHandler.newFactory();
                channel = EpollServerSocketChannel.class;
            }
            case "io_uring" -> {
                factory = IoUringIoHandler.newFactory();
                channel = IoUringServerSocketChannel.class;
            }
            case "nio" -> {
                factory = NioIoHandler.newFactory();
                channel = NioServerSocketChannel.class;
            }
            default -> {
                System.err.println("canonical echo: transport " + args[0] + ": expected epoll, io_uring or nio");
                System.exit(2);
                return;
            }
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(factory);
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(channel)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new EchoServerHandler())
                    .bind("127.0.0.1", Integer.parseInt(args[1])).sync().channel();
            System.out.println("listening on " + ((InetSocketAddress) server.localAddress()).getPort());
            System.out.flush();
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
