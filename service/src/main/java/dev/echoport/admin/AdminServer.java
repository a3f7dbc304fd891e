package dev.echoport.admin;

import dev.echoport.config.Settings;
import dev.echoport.transport.BindFailedException;
import dev.echoport.transport.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP listener, on one NIO event-loop thread of its own so that echo load can never starve a scrape or a
 * probe. Small fixed limits keep it safe from abuse: 4 KiB request line, 8 KiB of headers, 8 KiB body, 64 open
 * connections, 30 s without a request closes a connection.
 */
public final class AdminServer implements AutoCloseable {
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_SIZE = 8192;
    static final int MAX_BODY = 8192;
    static final int MAX_CONNECTIONS = 64;
    static final int READ_TIMEOUT_SECONDS = 30;

    private final Settings.Admin settings;
    private final AdminHandler handler;
    private final ChannelGroup open = new DefaultChannelGroup("echoport-admin", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private Channel listener;

    public AdminServer(Settings.Admin settings, PrometheusMeterRegistry registry, BooleanSupplier ready,
                       Supplier<String> state) {
        this.settings = settings;
        this.handler = new AdminHandler(registry, ready, state);
    }

    public synchronized AdminServer start() {
        if (group != null) {
            return this;
        }
        group = Transport.NIO.newEventLoopGroup(1, "echoport-admin");
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(Transport.NIO.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (open.size() >= MAX_CONNECTIONS) {
                            ch.close();
                            return;
                        }
                        open.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("read-timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS));
                        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_BODY));
                        p.addLast("aggregate", new HttpObjectAggregator(MAX_BODY));
                        p.addLast("route", handler);
                    }
                })
                .bind(settings.host(), settings.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            close();
            throw new BindFailedException("echoport.admin.port", settings.host(), settings.port(), bind.cause());
        }
        listener = bind.channel();
        return this;
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly();
        }
        open.close().awaitUninterruptibly();
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
