package dev.echoport.overload;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Read buffers sized as Netty's adaptive allocator sizes them (64 B to 64 KiB, following what reads return), but at
 * most {@link #PRESSURE_READ} bytes while the {@link EchoMemoryBudget} is over its budget, and otherwise at most each
 * open connection's share of the room left under the stop-accepting marks ({@link EchoMemoryBudget#readShare}), never
 * below {@link #PRESSURE_READ}; and never more than each connection's share of half the direct memory left before the
 * JVM's limit ({@link EchoMemoryBudget#hardReadShare}), however small, down to {@link #MIN_READ}.
 *
 * <p>A read buffer is memory too, and on io_uring a connection's next read holds its buffer from the moment the read
 * is submitted. Under a flood, hundreds of connections whose reads grew to 64 KiB would otherwise all take 64 KiB at
 * once when they resume or when their peers reset them (each drains its input), which is how a process with its echo
 * queue under the budget still ran out of direct memory: 1,100 connections leaving at once took 1,100 reads (a
 * clean-clone CI run, 48 MiB of direct memory). With the shares, every connection reading at once holds at most the
 * room left, or {@link #PRESSURE_READ} each where that is less (the floor that keeps a read worth its system call)
 * unless even that would take more than half of what the JVM has left.
 *
 * <p>Should an allocation fail all the same, the {@code OutOfMemoryError} never reaches Netty: its io_uring loop
 * rethrows an {@code Error} from a completion and ends, stranding every connection on it. nio, epoll and oio allocate
 * inside their read loop's {@code try}, which hands an exception to the connection's pipeline: there the failure is
 * thrown as a {@link ReadBufferUnavailableException}, and the pipeline closes the connection as an error. io_uring
 * allocates the first read of each read loop outside it, where Netty logs an exception, sleeps the whole loop 100 ms
 * and leaves the connection unread: there each connection has its own view ({@link #reportingTo}), which reports the
 * failure (its owner closes the connection) and gives the read an empty buffer, which reads nothing.
 */
public final class PressureAwareReads implements MaxMessagesRecvByteBufAllocator {
    /** The read size cap over the budget: small enough that a read per connection is cheap at any scale. */
    static final int PRESSURE_READ = 4096;
    /** The smallest read, when even {@link #PRESSURE_READ} each would take more than half the direct memory left. */
    static final int MIN_READ = 64;
    /** The largest read: the adaptive allocator's own maximum. */
    static final int MAX_READ = 64 * 1024;

    private final AdaptiveRecvByteBufAllocator sizes;
    private final EchoMemoryBudget budget;
    private final IntSupplier connections;
    /** Told of a read buffer that cannot be had ({@link #reportingTo}); {@code null}: it is thrown instead. */
    private final Consumer<ReadBufferUnavailableException> unavailable;

    /**
     * @param connections     the open connections now (each may have a read in flight)
     * @param messagesPerRead reads per batch: what Netty gives the transport's socket channels by default (16, and 1
     *                        for oio, which gathers all that is available into one read), which a bare allocator
     *                        would not
     */
    public PressureAwareReads(EchoMemoryBudget budget, IntSupplier connections, int messagesPerRead) {
        this(new AdaptiveRecvByteBufAllocator(), budget, connections, null);
        sizes.maxMessagesPerRead(messagesPerRead);
        // Load the handle's classes now: a connection's first read may come when the process is out of descriptors,
        // and loading a class from a directory needs one (the event loop would die of the NoClassDefFoundError).
        newHandle();
        ReadBufferUnavailableException.class.getName();
    }

    private PressureAwareReads(AdaptiveRecvByteBufAllocator sizes, EchoMemoryBudget budget, IntSupplier connections,
                               Consumer<ReadBufferUnavailableException> unavailable) {
        this.sizes = sizes;
        this.budget = budget;
        this.connections = connections;
        this.unavailable = unavailable;
    }

    /**
     * This allocator, sharing its sizes and settings, for one connection of a transport that allocates reads outside
     * its read loop's exception handling (io_uring): a read buffer that cannot be had goes to {@code unavailable}
     * (which must close the connection, later, on its loop), and the read gets an empty buffer, which reads nothing.
     */
    public PressureAwareReads reportingTo(Consumer<ReadBufferUnavailableException> unavailable) {
        return new PressureAwareReads(sizes, budget, connections, unavailable);
    }

    @Override
    public Handle newHandle() {
        return new CappedHandle((ExtendedHandle) sizes.newHandle(), budget, connections, unavailable);
    }

    @Override
    public int maxMessagesPerRead() {
        return sizes.maxMessagesPerRead();
    }

    @Override
    public MaxMessagesRecvByteBufAllocator maxMessagesPerRead(int maxMessagesPerRead) {
        sizes.maxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    private static final class CappedHandle extends RecvByteBufAllocator.DelegatingHandle implements ExtendedHandle {
        private final EchoMemoryBudget budget;
        private final IntSupplier connections;
        private final Consumer<ReadBufferUnavailableException> unavailable;

        CappedHandle(ExtendedHandle sizes, EchoMemoryBudget budget, IntSupplier connections,
                     Consumer<ReadBufferUnavailableException> unavailable) {
            super(sizes);
            this.budget = budget;
            this.connections = connections;
            this.unavailable = unavailable;
        }

        /**
         * A buffer of the guessed size that may grow to the {@link #cap} and no further: oio's read loop grows its
         * buffer to whatever the socket has available ({@code ensureWritable}), which without a maximum let one oio
         * read pass 64 KiB, and the per-connection bound (high watermark + one read) with it (a CPU-hogged run:
         * 131,169 bytes queued against 131,168). The other transports read what the buffer has room for.
         */
        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            int cap = cap(connections.getAsInt());
            int size = sized(delegate().guess(), cap);
            try {
                return alloc.ioBuffer(size, Math.max(size, cap));
            } catch (OutOfMemoryError e) {
                ReadBufferUnavailableException failure = new ReadBufferUnavailableException(size, e);
                if (unavailable == null) {
                    throw failure;
                }
                unavailable.accept(failure);
                return Unpooled.EMPTY_BUFFER; // io_uring takes a read of nothing for the input's end
            }
        }

        @Override
        public int guess() {
            return sized(delegate().guess(), cap(connections.getAsInt()));
        }

        private static int sized(int guess, int cap) {
            return guess <= MIN_READ ? guess : Math.min(guess, cap);
        }

        /**
         * The most one read may take now, with {@code open} connections: {@link #MAX_READ}, or under pressure the
         * shares above, never below the floor of {@link #PRESSURE_READ}; and never more than this connection's share
         * of half the direct memory left (down to {@link #MIN_READ}).
         */
        private int cap(int open) {
            long hard = Math.max(MIN_READ, budget.hardReadShare(open));
            int floor = (int) Math.min(PRESSURE_READ, hard);
            if (budget.overBudget()) {
                return floor;
            }
            return (int) Math.min(hard, Math.max(floor, Math.min(MAX_READ, budget.readShare(open))));
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return ((ExtendedHandle) delegate()).continueReading(maybeMoreDataSupplier);
        }
    }
}
