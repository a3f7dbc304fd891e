package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.ExitCodes;
import dev.echoport.transport.Transport;
import dev.echoport.transport.TransportSelection;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The baseline for "what does echoport add": Netty's example echo server (write on read, flush on read complete)
 * on a chosen transport, with nothing else: no admission, no metrics, no backpressure, no admin endpoint.
 */
@Command(name = "echo-server", mixinStandardHelpOptions = true,
        description = "A minimal Netty echo server (the benchmark's baseline): write on read, flush on read"
                + " complete, nothing else. Prints 'listening on PORT' on stdout and runs until SIGTERM/SIGINT.")
public final class MinimalEchoServer implements Callable<Integer> {
    @Option(names = {"-t", "--transport"}, defaultValue = "auto",
            description = "nio, epoll, io_uring, oio or auto. Default: ${DEFAULT-VALUE}.")
    String transport;

    @Option(names = {"-H", "--host"}, defaultValue = "127.0.0.1",
            description = "Bind address. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-P", "--port"}, defaultValue = "0",
            description = "Port (0 = ephemeral). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--threads", defaultValue = "0",
            description = "I/O threads (0 = Netty's default, 2 x cores, as echoport). Default: ${DEFAULT-VALUE}.")
    int threads;

    /** The handler from Netty's echo example, shared by every connection: it holds no state. */
    @ChannelHandler.Sharable
    static final class EchoHandler extends ChannelInboundHandlerAdapter {
        static final EchoHandler INSTANCE = new EchoHandler();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public Integer call() throws InterruptedException {
        Transport t;
        try {
            t = TransportSelection.resolve(transport).active();
        } catch (RuntimeException e) {
            System.err.println("echo-server: --transport " + transport + ": " + e.getMessage());
            return ExitCodes.USAGE;
        }
        EventLoopGroup boss = t.newEventLoopGroup(t.isThreadPerConnection() ? 0 : 1, "minimal-accept");
        EventLoopGroup workers = t.newEventLoopGroup(threads, "minimal-io");
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            stopped.countDown();
        }, "minimal-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(t.serverChannelClass())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(EchoHandler.INSTANCE)
                .bind(host, port).sync().channel();
        System.out.println("listening on " + ((InetSocketAddress) server.localAddress()).getPort()
                + " transport " + t.configName());
        System.out.flush();
        server.closeFuture().await();
        stopped.await();
        return 0;
    }
}
