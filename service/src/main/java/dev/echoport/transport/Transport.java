package dev.echoport.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.kqueue.KQueue;
import io.netty.channel.kqueue.KQueueIoHandler;
import io.netty.channel.kqueue.KQueueServerSocketChannel;
import io.netty.channel.kqueue.KQueueSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The I/O models echoport can serve with, one per Netty transport, each knowing whether it can run on this host.
 *
 * <p>Availability is probed once per transport, lazily (touching {@code Epoll} on macOS or {@code KQueue} on Linux
 * only records a cause, it never fails), and an unavailable transport keeps Netty's cause so that whoever asked for it
 * can say why it is missing.
 */
public enum Transport {
    /** Blocking sockets, one thread per connection: Winsock's blocking model. */
    OIO("oio", false, () -> null),
    /** Readiness through a {@code java.nio} selector: Winsock's {@code select} / {@code WSAEventSelect}. */
    NIO("nio", false, () -> null),
    /** Linux readiness, edge-triggered epoll. */
    EPOLL("epoll", true, Epoll::unavailabilityCause),
    /** BSD/macOS readiness. */
    KQUEUE("kqueue", false, KQueue::unavailabilityCause),
    /** Linux completion-based I/O: the counterpart of overlapped I/O with completion ports. */
    IO_URING("io_uring", true, IoUring::unavailabilityCause);

    /**
     * Netty's switch for io_uring's multishot accept. Netty 4.2.18 re-arms a multishot accept that ended in an error
     * whether or not anyone asked to read, so out of descriptors (EMFILE) it retries a failing accept tens of
     * thousands of times a second and no pause of ours can stop it. Single-shot accepts follow auto-read, as on the
     * other transports. echoport turns multishot off unless this property is set explicitly.
     */
    public static final String IO_URING_MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

    static {
        if (System.getProperty(IO_URING_MULTISHOT_ACCEPT) == null) {
            System.setProperty(IO_URING_MULTISHOT_ACCEPT, "false");
        }
    }

    /** The order {@code auto} tries, best first: completion, then native readiness, then the JDK selector. */
    public static final List<Transport> AUTO_ORDER = List.of(IO_URING, EPOLL, KQUEUE, NIO);

    private final String configName;
    private final boolean supportsReusePort;
    private final Supplier<Throwable> causeProbe;
    private volatile Optional<Throwable> cause;

    Transport(String configName, boolean supportsReusePort, Supplier<Throwable> causeProbe) {
        this.configName = configName;
        this.supportsReusePort = supportsReusePort;
        this.causeProbe = causeProbe;
    }

    /** The value that selects this transport in {@code echoport.transport}. */
    public String configName() {
        return configName;
    }

    public boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /** Why this transport cannot run here, or empty when it can. */
    public Optional<Throwable> unavailabilityCause() {
        Optional<Throwable> c = cause;
        if (c == null) {
            try {
                c = Optional.ofNullable(causeProbe.get());
            } catch (Throwable t) { // NoClassDefFoundError and friends: the cause is the error itself
                c = Optional.of(t);
            }
            cause = c;
        }
        return c;
    }

    /** One line for logs and errors: "not available on this host (cause)". */
    public String unavailabilityReason() {
        return unavailabilityCause()
                .map(t -> "not available on this host (" + describe(t) + ")")
                .orElse("available");
    }

    /** Whether several listening sockets may share one port (SO_REUSEPORT) on this transport. */
    public boolean supportsReusePort() {
        return supportsReusePort;
    }

    /** Whether this transport serves each connection with a thread of its own. */
    public boolean isThreadPerConnection() {
        return this == OIO;
    }

    /**
     * A new event-loop group for this transport. {@code threads = 0} takes Netty's default (twice the cores); for OIO
     * the count caps concurrent connections and 0 means one new thread for every connection.
     */
    @SuppressWarnings("deprecation") // OIO is deprecated in Netty 4.2; it is here on purpose, as the blocking model.
    public EventLoopGroup newEventLoopGroup(int threads, String threadNamePrefix) {
        requireAvailable();
        DefaultThreadFactory threadFactory = new DefaultThreadFactory(threadNamePrefix + "-" + configName, true);
        if (this == OIO) {
            return new io.netty.channel.oio.OioEventLoopGroup(threads, threadFactory);
        }
        return new MultiThreadIoEventLoopGroup(threads, threadFactory, ioHandlerFactory());
    }

    /**
     * The event-loop group that serves connections. As {@link #newEventLoopGroup}, except for OIO: there each
     * connection has its own thread, {@code threadFreed} is told when a connection's thread is free again (after its
     * close completed), and the group has no cap of its own, admission caps connections.
     */
    public EventLoopGroup newConnectionGroup(int threads, String threadNamePrefix, Consumer<Channel> threadFreed) {
        if (this == OIO) {
            requireAvailable();
            return new OioConnectionThreads(new DefaultThreadFactory(threadNamePrefix + "-" + configName, true),
                    threadFreed);
        }
        return newEventLoopGroup(threads, threadNamePrefix);
    }

    private IoHandlerFactory ioHandlerFactory() {
        switch (this) {
            case NIO: return NioIoHandler.newFactory();
            case EPOLL: return EpollIoHandler.newFactory();
            case KQUEUE: return KQueueIoHandler.newFactory();
            case IO_URING: return IoUringIoHandler.newFactory();
            default: throw new IllegalStateException(configName + " has no IoHandler");
        }
    }

    @SuppressWarnings("deprecation")
    public Class<? extends ServerChannel> serverChannelClass() {
        switch (this) {
            case OIO: return OioListenerChannel.class;
            case NIO: return NioServerSocketChannel.class;
            case EPOLL: return EpollServerSocketChannel.class;
            case KQUEUE: return KQueueServerSocketChannel.class;
            case IO_URING: return IoUringServerSocketChannel.class;
            default: throw new AssertionError(this);
        }
    }

    @SuppressWarnings("deprecation")
    public Class<? extends SocketChannel> socketChannelClass() {
        switch (this) {
            case OIO: return io.netty.channel.socket.oio.OioSocketChannel.class;
            case NIO: return NioSocketChannel.class;
            case EPOLL: return EpollSocketChannel.class;
            case KQUEUE: return KQueueSocketChannel.class;
            case IO_URING: return IoUringSocketChannel.class;
            default: throw new AssertionError(this);
        }
    }

    /** The UDP channel class of this transport (OIO's blocking datagram socket included). */
    @SuppressWarnings("deprecation")
    public Class<? extends io.netty.channel.socket.DatagramChannel> datagramChannelClass() {
        switch (this) {
            case OIO: return io.netty.channel.socket.oio.OioDatagramChannel.class;
            case NIO: return io.netty.channel.socket.nio.NioDatagramChannel.class;
            case EPOLL: return io.netty.channel.epoll.EpollDatagramChannel.class;
            case KQUEUE: return io.netty.channel.kqueue.KQueueDatagramChannel.class;
            case IO_URING: return io.netty.channel.uring.IoUringDatagramChannel.class;
            default: throw new AssertionError(this);
        }
    }

    /** Throws {@link TransportUnavailableException} with the cause when this transport cannot run here. */
    public Transport requireAvailable() {
        unavailabilityCause().ifPresent(t -> {
            throw new TransportUnavailableException(this, t);
        });
        return this;
    }

    /** The transports usable on this host, in declaration order. */
    public static List<Transport> available() {
        return Arrays.stream(values()).filter(Transport::isAvailable).toList();
    }

    /** The transport named {@code name} in config ("io_uring", "epoll", ...), case-insensitively. */
    public static Optional<Transport> byConfigName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.configName.equals(n)).findFirst();
    }

    static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        return msg.replace('\n', ' ');
    }

    @Override
    public String toString() {
        return configName;
    }
}
