package dev.echoport.admission;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The slots admitted connections hold: put on a connection's channel when it is counted, the connection tracked for
 * drain, and the slot released exactly once, whichever way the connection ends (its close, its oio thread coming
 * free, or a registration that never happened).
 */
final class Slots {
    private static final AttributeKey<Slot> SLOT = AttributeKey.valueOf("echoport.admission.slot");

    private final ConnectionTracker tracker;
    private final boolean releaseWhenThreadFree;
    private final Runnable freed;
    private final ChannelGroup open = new DefaultChannelGroup("echoport-connections", GlobalEventExecutor.INSTANCE);

    /**
     * @param releaseWhenThreadFree a slot is released when the connection's oio thread is free, not at its close
     * @param freed                 run after every release: a slot may have freed for a deferred connection
     */
    Slots(ConnectionTracker tracker, boolean releaseWhenThreadFree, Runnable freed) {
        this.tracker = tracker;
        this.releaseWhenThreadFree = releaseWhenThreadFree;
        this.freed = freed;
    }

    /** Counts {@code child}; the caller holds the tracker's lock. {@code address} null while its client is unknown. */
    void take(Channel child, InetAddress address) {
        tracker.count(address);
        child.attr(SLOT).set(new Slot(address));
    }

    /** The client's address its slot is counted under; null while its PROXY header is pending. */
    InetAddress address(Channel ch) {
        return ch.attr(SLOT).get().address;
    }

    /** Counts a pending connection under its client's {@code address} now; the caller holds the tracker's lock. */
    void resolve(Channel ch, InetAddress address) {
        tracker.resolve(address);
        ch.attr(SLOT).get().address = address;
    }

    /** After counting: tracked for drain, and released when the connection closes (not on oio: see threadFreed). */
    void track(Channel child) {
        open.add(child);
        if (!releaseWhenThreadFree) {
            child.closeFuture().addListener(f -> release(child));
        }
    }

    /** Releases {@code ch}'s slot, if it holds one that was not released yet. */
    void release(Channel ch) {
        Slot slot = ch.attr(SLOT).get();
        if (slot == null || !slot.released.compareAndSet(false, true)) {
            return;
        }
        open.remove(ch);
        synchronized (tracker) {
            tracker.release(slot.address);
        }
        freed.run();
    }

    ChannelGroup open() {
        return open;
    }

    private static final class Slot {
        final AtomicBoolean released = new AtomicBoolean();
        volatile InetAddress address;

        Slot(InetAddress address) {
            this.address = address;
        }
    }
}
