package dev.echoport.loadgen;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Small broken echo servers that prove the clients catch errors (public: the bench tests use them against the C client
 * too). The real echoport comes from the service's shared fixture, {@code dev.echoport.testsupport.RunningEchoport}.
 */
public final class TestServers {
    private TestServers() {
    }

    /** A NIO server on an ephemeral loopback port whose connections each get a handler from {@code handler}. */
    public static final class Broken implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel listener;

        public Broken(Supplier<ChannelHandler> handler) throws InterruptedException {
            listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(handler.get());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
        }

        public int port() {
            return ((InetSocketAddress) listener.localAddress()).getPort();
        }

        @Override
        public void close() {
            listener.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** Echoes everything, but flips one bit of the {@code nth} byte it ever echoes on the connection. */
    public static final class FlipOneByte extends ChannelInboundHandlerAdapter {
        private final long nth;
        private long seen;

        public FlipOneByte(long nth) {
            this.nth = nth;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            if (seen <= nth && nth < seen + n) {
                int i = buf.readerIndex() + (int) (nth - seen);
                buf.setByte(i, buf.getByte(i) ^ 0x01);
            }
            seen += n;
            ctx.writeAndFlush(buf);
        }
    }

    /** Echoes each read with its two halves swapped: the right bytes in the wrong order. */
    public static final class SwapHalves extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            int n = buf.readableBytes();
            if (n < 2) {
                ctx.writeAndFlush(buf);
                return;
            }
            ByteBuf first = buf.readRetainedSlice(n / 2);
            ctx.write(buf);
            ctx.writeAndFlush(first);
        }
    }

    /** Echoes the first {@code limit} bytes of each connection, then closes it. */
    public static final class CloseAfter extends ChannelInboundHandlerAdapter {
        private final long limit;
        private long seen;

        public CloseAfter(long limit) {
            this.limit = limit;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            seen += buf.readableBytes();
            ctx.writeAndFlush(buf);
            if (seen >= limit) {
                ctx.close();
            }
        }
    }
}
