package dev.echoport.loadgen;

import dev.echoport.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;

import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Opens a run's connections on the client's event loops, paced by the connect rate and with a bounded number of
 * connects in progress, gives each its {@link ConnectionHandler} (behind TLS when asked), and closes them all at the
 * end. Every channel it ever opened is kept, so that closing reaches those still connecting too.
 */
final class PacedConnector {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_CONNECTS_IN_PROGRESS = 512;

    private final LoadOptions options;
    private final SslContext tls;
    private final Transport transport;
    private final EventLoopGroup group;
    private final EchoPattern pattern;
    private final RunState run;
    private final Map<EventLoop, LoopStats> loopStats;
    private final List<Channel> channels = new ArrayList<>();
    /** Numbers the connections: each starts its run of the pattern elsewhere, so cross-talk shows as a mismatch. */
    private final AtomicLong connectIndex = new AtomicLong();

    /** @param tls when not null, every connection speaks TLS with this client context */
    PacedConnector(LoadOptions options, SslContext tls, Transport transport, EventLoopGroup group,
            EchoPattern pattern, RunState run, Map<EventLoop, LoopStats> loopStats) {
        this.options = options;
        this.tls = tls;
        this.transport = transport;
        this.group = group;
        this.pattern = pattern;
        this.run = run;
        this.loopStats = loopStats;
    }

    /** Attempts every connection and returns once each attempt has ended (connected, or failed and counted). */
    void connectAll() throws InterruptedException {
        Bootstrap bootstrap = bootstrap();
        int n = options.connections();
        CountDownLatch attempted = new CountDownLatch(n);
        Semaphore inProgress = new Semaphore(MAX_CONNECTS_IN_PROGRESS);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            if (options.connectRate() > 0) {
                long due = start + (long) (i * 1e9 / options.connectRate());
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait); // pacing the connect rate, not waiting for an event
                }
            }
            inProgress.acquire();
            ChannelFuture f = bootstrap.connect(options.host(), options.port());
            synchronized (channels) {
                channels.add(f.channel());
            }
            f.addListener(done -> {
                inProgress.release();
                if (done.isSuccess()) {
                    run.connectSucceeded();
                    // Netty completes the connect promise before it fires channelActive (which registers the
                    // connection): a task queued now runs after both.
                    f.channel().eventLoop().execute(attempted::countDown);
                } else {
                    run.connectFailed("connect to " + options.host() + ":" + options.port() + ": "
                            + describe(done.cause()));
                    attempted.countDown();
                }
            });
        }
        attempted.await(); // each attempt ends by itself within CONNECT_TIMEOUT
    }

    private Bootstrap bootstrap() {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(transport.socketChannelClass())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        long index = connectIndex.getAndIncrement();
                        LoopStats stats = loopStats.computeIfAbsent(ch.eventLoop(), l -> new LoopStats());
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), options.host(), options.port()));
                        }
                        ch.pipeline().addLast(new ConnectionHandler(run, options, stats, pattern, index));
                    }
                });
        if (transport.isThreadPerConnection()) {
            // OIO loops run their tasks (the open-loop schedule, stop) only between blocking reads: wake often.
            bootstrap.option(ChannelOption.SO_TIMEOUT, 1);
        }
        return bootstrap;
    }

    /** Closes every channel opened and waits (bounded) for each close. */
    void closeAll() {
        List<ChannelFuture> closing = new ArrayList<>();
        synchronized (channels) {
            for (Channel c : channels) {
                closing.add(c.close());
            }
        }
        for (ChannelFuture f : closing) {
            f.awaitUninterruptibly(CONNECT_TIMEOUT.toMillis());
        }
    }

    static String describe(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        return t == null ? "unknown" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
