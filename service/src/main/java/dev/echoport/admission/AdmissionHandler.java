package dev.echoport.admission;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Applies the condition function on a listening channel, to every accepted socket before it is registered: a rejected
 * connection is closed here and never reaches the echo pipeline, never has a byte read.
 *
 * <p><b>Defer.</b> A deferred connection is held here, unregistered, and the listening channel stops accepting
 * (auto-read off) so that later connections wait in the kernel's backlog. When a slot frees, held connections are
 * decided again in arrival order and accepting resumes once none is held. Like Winsock's {@code CF_DEFER}, the
 * connection at the head holds back the ones behind it. A held connection that waits past {@code defer-timeout} is
 * rejected ({@code defer_timeout}); the backlog behind it has no arrival times we can read, so once the held
 * connections have timed out, one accept pass rejects whatever the backlog still holds at the limit and a new wait
 * begins with the next arrival. So no connection waits longer than {@code defer-timeout} (plus one accept pass);
 * one that reached the backlog late in a wait may be refused sooner.
 *
 * <p>One instance per listening channel (it holds that channel's deferred connections): not {@code @Sharable}.
 */
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdmissionHandler.class);
    private static final long EXPIRY_PASS_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long ACCEPT_ERROR_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ConnectionTracker tracker;
    private final AdmissionPolicy policy;
    private final Supplier<AdmissionRules> rules;
    private final AdmissionObserver observer;
    private final RejectionLog rejectionLog;
    private final Consumer<Channel> onAdmitted;
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final Runnable slotFreed = this::scheduleAdmitHeld;

    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> expiry;
    /** Until this nanoTime, a connection at the limit is rejected, not deferred: it waited in the backlog. */
    private long expiringUntil;
    private boolean expiring;
    private long lastAcceptErrorLog = System.nanoTime() - ACCEPT_ERROR_LOG_INTERVAL_NANOS;
    private long suppressedAcceptErrors;

    /**
     * @param onAdmitted told of every admitted connection before it is registered (the server tracks them for drain)
     */
    public AdmissionHandler(ConnectionTracker tracker, AdmissionPolicy policy, Supplier<AdmissionRules> rules,
                            AdmissionObserver observer, RejectionLog rejectionLog, Consumer<Channel> onAdmitted) {
        this.tracker = tracker;
        this.policy = policy;
        this.rules = rules;
        this.observer = observer;
        this.rejectionLog = rejectionLog;
        this.onAdmitted = onAdmitted;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        if (!held.isEmpty()) {
            hold(child); // nobody overtakes a held connection
        } else {
            decide(child);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        expiring = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        rejectAllHeld(RejectReason.SHUTDOWN);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        rejectAllHeld(RejectReason.SHUTDOWN);
    }

    /**
     * Accept errors (above all EMFILE, out of descriptors) would otherwise be retried at once and spin: pause
     * accepting for a second and log at most one line a second.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        long now = System.nanoTime();
        if (now - lastAcceptErrorLog >= ACCEPT_ERROR_LOG_INTERVAL_NANOS) {
            log.warn("accept failed on {}: {}; pausing accepts for 1 s{}", ctx.channel().localAddress(),
                    cause.toString(), suppressedAcceptErrors > 0 ? " (" + suppressedAcceptErrors
                            + " more accept errors since the last line)" : "");
            lastAcceptErrorLog = now;
            suppressedAcceptErrors = 0;
        } else {
            suppressedAcceptErrors++;
        }
        if (held.isEmpty() && ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(false);
            ctx.executor().schedule(() -> {
                if (held.isEmpty()) {
                    ctx.channel().config().setAutoRead(true);
                }
            }, 1, TimeUnit.SECONDS);
        }
    }

    private void decide(Channel child) {
        InetSocketAddress peer = (InetSocketAddress) child.remoteAddress();
        if (peer == null) { // the socket died between accept and now
            child.unsafe().closeForcibly();
            return;
        }
        Decision d = tracker.admit(peer, (InetSocketAddress) child.localAddress(), policy);
        switch (d.verdict()) {
            case ACCEPT -> admit(child, peer.getAddress());
            case REJECT -> reject(child, d.reason());
            case DEFER -> {
                if (expiring && System.nanoTime() - expiringUntil < 0) {
                    reject(child, RejectReason.DEFER_TIMEOUT);
                } else {
                    hold(child);
                }
            }
        }
    }

    private void admit(Channel child, InetAddress address) {
        child.closeFuture().addListener(f -> tracker.release(address));
        observer.accepted();
        onAdmitted.accept(child);
        ctx.fireChannelRead(child);
    }

    private void reject(Channel child, RejectReason reason) {
        observer.rejected(reason);
        rejectionLog.record(reason);
        if (rules.get().rejectAction() == AdmissionRules.RejectAction.RESET) {
            try {
                child.config().setOption(ChannelOption.SO_LINGER, 0); // close() then sends RST, as a refusal would
            } catch (RuntimeException e) {
                log.debug("could not set SO_LINGER 0 on {}: {}", child, e.toString());
            }
        }
        child.unsafe().closeForcibly();
    }

    private void hold(Channel child) {
        held.add(new Held(child, System.nanoTime()));
        observer.deferred();
        if (held.size() == 1) {
            ctx.channel().config().setAutoRead(false);
            tracker.onSlotFreed(slotFreed);
            scheduleExpiry();
        }
    }

    private void scheduleAdmitHeld() {
        ctx.executor().execute(this::admitHeld);
    }

    private void admitHeld() {
        while (!held.isEmpty()) {
            Held h = held.peek();
            InetSocketAddress peer = (InetSocketAddress) h.channel.remoteAddress();
            if (peer == null) {
                held.poll();
                h.channel.unsafe().closeForcibly();
                continue;
            }
            Decision d = tracker.admit(peer, (InetSocketAddress) h.channel.localAddress(), policy);
            if (d.verdict() == Verdict.DEFER) {
                return;
            }
            held.poll();
            if (d.verdict() == Verdict.ACCEPT) {
                admit(h.channel, peer.getAddress());
            } else {
                reject(h.channel, d.reason());
            }
        }
        resumeAccepting();
    }

    private void scheduleExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
        }
        Held head = held.peek();
        long deadline = head.heldAt + rules.get().deferTimeout().toNanos();
        expiry = ctx.executor().schedule(this::expire, Math.max(0, deadline - System.nanoTime()),
                TimeUnit.NANOSECONDS);
    }

    private void expire() {
        expiry = null;
        long timeout = rules.get().deferTimeout().toNanos();
        long now = System.nanoTime();
        while (!held.isEmpty() && now - held.peek().heldAt >= timeout) {
            reject(held.poll().channel, RejectReason.DEFER_TIMEOUT);
        }
        if (held.isEmpty()) {
            // The accept pass that follows rejects what waited in the backlog meanwhile (see class comment); it ends
            // at its read-complete, or after EXPIRY_PASS_NANOS when the backlog was empty and nothing was read.
            expiring = true;
            expiringUntil = System.nanoTime() + EXPIRY_PASS_NANOS;
            resumeAccepting();
        } else {
            scheduleExpiry();
        }
    }

    private void resumeAccepting() {
        tracker.removeSlotListener(slotFreed);
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
        if (ctx.channel().isOpen()) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private void rejectAllHeld(RejectReason reason) {
        while (!held.isEmpty()) {
            reject(held.poll().channel, reason);
        }
        tracker.removeSlotListener(slotFreed);
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    private record Held(Channel channel, long heldAt) {
    }
}
