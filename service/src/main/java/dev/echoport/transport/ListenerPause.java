package dev.echoport.transport;

import io.netty.channel.Channel;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.MaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;

/**
 * Whether a listening channel accepts, for everyone who may pause it (a deferral, an accept-error backoff), and what
 * that means for the kernel's backlog: the earliest moment a connection still waiting in it can have arrived.
 *
 * <p>Accepting is on only while no reason holds it off. While it is off, connections gather in the backlog, and the
 * kernel does not tell us when each arrived. We know this much: at the end of a read batch that accepted fewer than
 * the batch maximum while accepting was on, the backlog was empty (the accept loop stopped on EAGAIN, or on an empty
 * poll); every connection in it since arrived after that. So {@link #arrivedNoEarlierThan} is the moment accepting
 * went off, if the backlog has not been drained since, else "just now" (we accept promptly while on). A batch that
 * ended in an accept error did not drain the backlog ({@link #acceptFailed}).
 *
 * <p>Confined to the listening channel's event loop: not thread-safe.
 */
public final class ListenerPause {
    /** A deferred connection is held: later ones must wait in the backlog. */
    public static final int DEFER = 1;
    /** An accept failed (out of descriptors): retrying at once would spin. */
    public static final int ACCEPT_ERROR = 2;
    /** Queued echo bytes reached the memory budget's stop-accepting mark. */
    public static final int OVERLOAD = 4;
    private static final long NONE = Long.MIN_VALUE;
    private static final int ACCEPTS_PER_BATCH = 16;

    private final Channel listener;
    private int reasons;
    /** Earliest arrival of a connection in the backlog; NONE while we accept promptly from an empty backlog. */
    private long accumulatingSince = NONE;
    private boolean inBatch;
    private long batchStart;
    /** The last batch that ended: when it began, whether it was taken to have drained the backlog, and the value of
     * {@link #accumulatingSince} before, so that an accept error reported after it can undo that conclusion. */
    private long lastBatchStart = NONE;
    private boolean lastBatchDrained;
    private long beforeDrain = NONE;

    public ListenerPause(Channel listener) {
        this.listener = listener;
    }

    /** Stops accepting for {@code reason} (a bit); others may hold it off too. */
    public void pause(int reason) {
        if (reasons == 0) {
            listener.config().setAutoRead(false);
            if (accumulatingSince == NONE) {
                accumulatingSince = System.nanoTime();
            }
        }
        reasons |= reason;
    }

    /** Lifts {@code reason}; accepting resumes when no reason is left. */
    public void resume(int reason) {
        reasons &= ~reason;
        if (reasons == 0 && listener.isOpen()) {
            listener.config().setAutoRead(true); // requests the next accept
        }
    }

    public boolean isPaused(int reason) {
        return (reasons & reason) != 0;
    }

    /** For a connection accepted now: the earliest nanoTime it can have arrived. */
    public long arrivedNoEarlierThan() {
        if (!inBatch) {
            inBatch = true;
            batchStart = System.nanoTime();
        }
        return accumulatingSince == NONE ? batchStart : accumulatingSince;
    }

    /** A read batch ended having accepted {@code accepted} connections. */
    public void batchEnded(int accepted) {
        lastBatchStart = inBatch ? batchStart : System.nanoTime();
        inBatch = false;
        beforeDrain = accumulatingSince;
        lastBatchDrained = reasons == 0 && accepted < maxPerBatch();
        if (lastBatchDrained) {
            accumulatingSince = NONE; // the accept loop found the backlog empty
        }
    }

    /** The batch that just ended stopped on an accept error, not on an empty backlog. */
    public void acceptFailed() {
        if (!lastBatchDrained) {
            return;
        }
        lastBatchDrained = false;
        long since = beforeDrain != NONE ? beforeDrain : lastBatchStart;
        if (accumulatingSince == NONE || since - accumulatingSince < 0) {
            accumulatingSince = since;
        }
    }

    private int maxPerBatch() {
        RecvByteBufAllocator a = listener.config().getRecvByteBufAllocator();
        return a instanceof MaxMessagesRecvByteBufAllocator m ? m.maxMessagesPerRead() : ACCEPTS_PER_BATCH;
    }

    /**
     * The listener's accept batching, set on every listening channel so that a batch ends only on an empty backlog
     * or a full batch. Netty's default for server channels stops epoll's accept loop after every accepted connection
     * (its "maybe more data" guess does not fit accepts), which would make every batch look like it drained the
     * backlog; accepting until EAGAIN, as the other transports do, also costs fewer wake-ups under churn.
     */
    public static RecvByteBufAllocator acceptBatches() {
        DefaultMaxMessagesRecvByteBufAllocator a = new ServerChannelRecvByteBufAllocator();
        a.maxMessagesPerRead(ACCEPTS_PER_BATCH);
        a.respectMaybeMoreData(false);
        return a;
    }
}
