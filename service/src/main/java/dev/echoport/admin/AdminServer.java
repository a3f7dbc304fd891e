package dev.echoport.admin;

import dev.echoport.config.Settings;
import dev.echoport.metrics.AdminMetrics;
import dev.echoport.transport.BindFailedException;
import dev.echoport.transport.Transport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP listener, on one NIO event-loop thread of its own so that echo load can never starve a scrape or a
 * probe, built so that no client can lock it out:
 * <ul>
 *     <li>a deadline for the whole exchange (admin.request-timeout), not per read, so dripping bytes buys nothing;</li>
 *     <li>one request in flight per connection: the next is read only once the answer is written and the socket is
 *     writable, so pipelining without reading stops being read rather than piling answers up;</li>
 *     <li>a connection limit (admin.max-connections) that makes room for a newcomer by resetting the connection
 *     that has waited longest, so a probe is never refused ({@link AdminConnections});</li>
 *     <li>{@code /metrics} rendered off the event loop ({@link MetricsRenderer}), so a scrape never delays a
 *     probe.</li>
 * </ul>
 * Fixed limits besides: 4 KiB request line, 8 KiB of headers, 8 KiB body, reads of at most 2 KiB, kernel buffers of
 * 64 KiB (send) and 16 KiB (receive) per connection.
 */
public final class AdminServer implements AutoCloseable {
    static final int MAX_INITIAL_LINE = 4096;
    static final int MAX_HEADER_SIZE = 8192;
    static final int MAX_BODY = 8192;
    /**
     * Bytes taken from the socket per read. Pipelined requests decoded from one read wait in the FlowControlHandler
     * until their turn: this bounds how many (about 100 of the smallest possible request).
     */
    static final int READ_SIZE = 2048;
    /**
     * Kernel buffers of an admin connection, fixed (Linux doubles the value and stops autotuning it). With
     * autotuning, a client that does not read its answers makes the kernel hold up to net.ipv4.tcp_wmem's maximum
     * (4 MiB here) of them per connection, and a pod's memory limit counts socket memory too. 64 KiB takes several
     * whole /metrics answers; 16 KiB takes the largest request (4 KiB line + 8 KiB headers).
     */
    static final int SEND_BUFFER = 64 * 1024;
    static final int RECEIVE_BUFFER = 16 * 1024;
    /** Renders of /metrics start at least this far apart: at most 20 a second, whoever scrapes. */
    static final Duration MIN_RENDER_INTERVAL = Duration.ofMillis(50);

    private final Settings.Admin settings;
    private final PrometheusMeterRegistry registry;
    private final BooleanSupplier ready;
    private final Supplier<String> state;
    private final AdminMetrics metrics;
    private final AdminConnections table;
    private final ChannelGroup open = new DefaultChannelGroup("echoport-admin", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup group;
    private MetricsRenderer renderer;
    private ScheduledFuture<?> sweep;
    private Channel listener;

    public AdminServer(Settings.Admin settings, PrometheusMeterRegistry registry, BooleanSupplier ready,
                       Supplier<String> state) {
        this.settings = settings;
        this.registry = registry;
        this.ready = ready;
        this.state = state;
        this.metrics = new AdminMetrics(registry);
        this.table = new AdminConnections(settings, System::nanoTime);
    }

    public synchronized AdminServer start() {
        if (group != null) {
            return this;
        }
        group = Transport.NIO.newEventLoopGroup(1, "echoport-admin");
        EventLoop loop = group.next();
        renderer = new MetricsRenderer(registry, MIN_RENDER_INTERVAL, System::nanoTime);
        AdminHandler router = new AdminHandler(renderer, ready, state);
        long every = AdminConnections.SWEEP_INTERVAL.toNanos();
        sweep = loop.scheduleAtFixedRate(table::sweep, every, every, TimeUnit.NANOSECONDS);
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(Transport.NIO.serverChannelClass())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER) // set on the listener: accepted sockets inherit it
                .childOption(ChannelOption.SO_SNDBUF, SEND_BUFFER)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_SIZE))
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        open.add(ch);
                        addHandlers(ch.pipeline(), new AdminExchange(table, metrics), router);
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

    /** An admin connection's pipeline, in order: raw bytes first, the router last. */
    static void addHandlers(ChannelPipeline p, AdminExchange exchange, AdminHandler router) {
        p.addLast("exchange", exchange);
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, MAX_BODY));
        p.addLast("aggregate", new AdminRequestAggregator(MAX_BODY));
        p.addLast("one-request", new FlowControlHandler()); // holds pipelined requests until the exchange asks
        p.addLast("route", router);
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) listener.localAddress();
    }

    /** Admin connections open now. */
    public int openConnections() {
        return table.size();
    }

    /** Answer bytes written by the admin server and not yet taken by the kernel, over all connections. */
    public long queuedAnswerBytes() {
        long queued = 0;
        for (Channel ch : open) {
            ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            queued += out == null ? 0 : out.totalPendingWriteBytes();
        }
        return queued;
    }

    public AdminMetrics metrics() {
        return metrics;
    }

    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close().awaitUninterruptibly();
        }
        if (group != null) {
            if (!group.isShuttingDown()) {
                group.next().submit(table::closeAll).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
            if (sweep != null) {
                sweep.cancel(false);
            }
            open.close().awaitUninterruptibly();
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        if (renderer != null) {
            renderer.close();
        }
    }
}
