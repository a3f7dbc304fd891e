package dev.echoport.admission;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import dev.echoport.admission.DeferQueue.Held;
import io.netty.channel.group.ChannelGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * echoport's condition function ({@code WSAAccept}), in one place: the counts, the decision (ACCEPT, REJECT, DEFER),
 * the reject action, the queue of deferred connections, and the release of every admitted connection exactly once.
 * The handlers that meet connections are thin users of it: {@link AcceptAdmissionHandler} on each listening channel,
 * and the PROXY protocol's after-header handler.
 *
 * <p><b>One lock.</b> Deciding, counting and queueing a deferred connection happen under the tracker's lock, and so
 * does releasing a slot and re-deciding the queue. A slot freed at any moment therefore either is seen by the decision
 * (which then admits) or finds the deferred connection already queued (and admits it): no wake-up is lost. A freed
 * slot is handed straight to the head of the queue, under the lock, so no newcomer can take it first.
 *
 * <p><b>Defer.</b> A deferred connection is held unregistered, and its listener stops accepting at the end of the
 * read batch, so later connections wait in the kernel's backlog. Whenever a slot frees or the rules change, the queue
 * is decided again in arrival order; nobody overtakes a held connection. Each held connection has a deadline:
 * {@code defer-timeout} after the earliest moment it can have arrived, which for a connection that waited in a paused
 * listener's backlog is when that listener paused (see {@code ListenerPause}). Past it, it is refused
 * ({@code defer_timeout}): so no connection waits longer than {@code defer-timeout}, in the queue and the backlog
 * together, and a connection that reached the backlog late in a wait may be refused sooner.
 */
public final class Admission {
    private static final Logger log = LoggerFactory.getLogger(Admission.class);
    private final ConnectionTracker tracker = new ConnectionTracker(); // its lock also guards `held`
    private final RulesPolicy rules;
    private final AdmissionPolicy policy;
    private final AdmissionPolicy totalOnly;
    private final String policyName;
    private final AdmissionObserver observer;
    private final RejectionLog rejections;
    private final DeferQueue held = new DeferQueue();
    private final Slots slots;

    /**
     * @param extra               a policy asked after the built-in rules admit (policy-class), if any
     * @param threadCap           oio with io-threads = N: N caps max-connections (a slot is a thread); 0 = no cap
     * @param releaseWhenThreadFree a slot is released by {@link #threadFreed} (oio), not when the channel closes
     * @param protocolReasons     the log text for the PROXY protocol's reasons (untrusted_proxy, proxy_header)
     */
    public Admission(AdmissionRules rules, Optional<AdmissionPolicy> extra, int threadCap,
                     boolean releaseWhenThreadFree, AdmissionObserver observer, ScheduledExecutorService housekeeping,
                     Function<RejectReason, String> protocolReasons) {
        this.rules = new RulesPolicy(rules, threadCap);
        this.policy = extra.<AdmissionPolicy>map(p -> new ChainedPolicy(this.rules, p)).orElse(this.rules);
        this.totalOnly = (peer, local, counts) -> this.rules.decideTotal(counts);
        this.policyName = extra.map(p -> p.getClass().getName()).orElse("none");
        this.slots = new Slots(tracker, releaseWhenThreadFree, this::wake);
        this.observer = observer;
        this.rejections = new RejectionLog(housekeeping,
                reason -> reason.explain(this.rules.rules(), policyName, protocolReasons));
    }

    /**
     * Decides on a connection just accepted on {@code gate}'s listener, before it is registered. ACCEPT: counted, the
     * caller passes it on to registration. REJECT: closed here. DEFER: held; the gate is told the outcome later.
     *
     * @param arrivedNoEarlierThan nanoTime before which the connection cannot have arrived (its deadline's start)
     */
    Verdict onAccept(Channel child, ClientAtAccept client, AcceptAdmissionHandler gate, long arrivedNoEarlierThan) {
        InetSocketAddress remote = (InetSocketAddress) child.remoteAddress();
        if (remote == null) { // the socket died between accept and now
            child.unsafe().closeForcibly();
            return Verdict.REJECT;
        }
        InetSocketAddress peer = Addresses.canonical(remote);
        if (client == ClientAtAccept.UNTRUSTED) {
            reject(child, RejectReason.UNTRUSTED_PROXY);
            return Verdict.REJECT;
        }
        boolean pending = client == ClientAtAccept.HEADER;
        boolean confirmedLater = pending || client == ClientAtAccept.PEER_UNCONFIRMED;
        Decision d;
        Held h = null;
        synchronized (tracker) {
            d = ConnectionTracker.decide(peer, local(child), pending ? totalOnly : policy, tracker);
            if (d.verdict() != Verdict.REJECT && !held.isEmpty()) {
                d = Decision.DEFER; // nobody overtakes a held connection
            }
            if (d.verdict() == Verdict.ACCEPT) {
                slots.take(child, pending ? null : peer.getAddress());
            } else if (d.verdict() == Verdict.DEFER) {
                long deadline = arrivedNoEarlierThan + rules.rules().deferTimeout().toNanos();
                if (deadline - System.nanoTime() <= 0) {
                    d = Decision.reject(RejectReason.DEFER_TIMEOUT); // it waited in the backlog that long already
                } else {
                    h = new Held(child, pending, confirmedLater, gate, deadline);
                    held.add(h);
                }
            }
        }
        switch (d.verdict()) {
            case ACCEPT -> admitted(child, confirmedLater);
            case REJECT -> reject(child, d.reason());
            case DEFER -> {
                observer.deferred();
                Held expiring = h;
                h.timeout = gate.executor().schedule(() -> expire(expiring),
                        h.deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
        }
        return d.verdict();
    }

    /**
     * Decides on the client a PROXY protocol header named (or, without a header, the peer) for a connection counted
     * at accept. True if admitted; false if refused, and then the connection is being closed.
     */
    public boolean admitClient(Channel ch, InetSocketAddress named) {
        InetSocketAddress client = Addresses.canonical(named);
        if (slots.address(ch) != null) { // decided on its own address at accept (not a trusted proxy)
            observer.accepted(AdmissionObserver.port(ch));
            return true;
        }
        Decision d;
        synchronized (tracker) {
            // Its slot of max-connections is held already: the policy sees the counts without it.
            d = ConnectionTracker.decide(client, local(ch), policy, tracker.excludingOne());
            if (d.verdict() == Verdict.ACCEPT) {
                slots.resolve(ch, client.getAddress());
            }
        }
        if (d.verdict() == Verdict.ACCEPT) {
            observer.accepted(AdmissionObserver.port(ch));
            return true;
        }
        // A registered connection cannot be held: past a limit lowered since accept, it is refused.
        reject(ch, d.verdict() == Verdict.DEFER ? RejectReason.MAX_CONNECTIONS : d.reason());
        return false;
    }

    /**
     * Refuses {@code ch}: counted and logged by reason, closed with RST ({@code reject-action = reset}, by
     * SO_LINGER 0, the nearest thing to "connection refused") or FIN. Registered or not; a slot it held is released.
     */
    public void reject(Channel ch, RejectReason reason) {
        observer.rejected(AdmissionObserver.port(ch), reason);
        rejections.record(reason);
        if (rules.rules().rejectAction() == AdmissionRules.RejectAction.RESET) {
            setLinger(ch, 0);
        }
        if (ch.isRegistered()) {
            ch.close(); // the close releases its slot
        } else {
            ch.unsafe().closeForcibly(); // never registered: no close future will fire
            slots.release(ch);
        }
    }

    /** The thread that served {@code ch} is free again (oio): its slot is released now, not at the close. */
    public void threadFreed(Channel ch) {
        slots.release(ch);
    }

    /** {@code child} was passed on to registration and closed at once without it: its slot is released. */
    void registrationFailed(Channel child) {
        log.warn("connection from {} could not be registered; closed", child.remoteAddress());
        slots.release(child);
    }

    /** The current rules, with the oio thread cap applied. */
    public AdmissionRules rules() {
        return rules.rules();
    }

    /** Replaces the rules for decisions from now on, and decides the held connections again at once. */
    public void updateRules(AdmissionRules next) {
        rules.update(next);
        wake();
    }

    public ConnectionCounts counts() {
        return tracker;
    }

    /** Addresses with an open connection (for metrics). */
    public int addresses() {
        return tracker.addresses();
    }

    /** Every admitted connection still open, PROXY header pending or not. */
    public ChannelGroup openConnections() {
        return slots.open();
    }

    public boolean awaitNone(Duration timeout) throws InterruptedException {
        return tracker.awaitNone(timeout.toNanos());
    }

    /** Logs what rejections gathered since the last line; for a stopping server's last words. */
    public void flushLog() {
        rejections.flush();
    }

    /** Refuses every connection {@code gate} still holds ({@code shutdown}): its listener closed. */
    void dropHeld(AcceptAdmissionHandler gate) {
        List<Held> dropped;
        synchronized (tracker) {
            dropped = held.removeAll(gate);
        }
        for (Held h : dropped) {
            h.cancelTimeout();
            reject(h.child, RejectReason.SHUTDOWN);
        }
        wake(); // a connection of another listener may have waited behind them
    }

    /** Hands the held connection its outcome on its listener's loop: admitted (already counted) or refused. */
    void settle(Held h, Decision d) {
        h.cancelTimeout();
        if (d == null) { // the client went away while it waited
            h.child.unsafe().closeForcibly();
        } else if (d.verdict() == Verdict.ACCEPT) {
            admitted(h.child, h.confirmedLater);
        } else {
            reject(h.child, d.reason());
        }
        h.gate.settled(h.child, d != null && d.verdict() == Verdict.ACCEPT);
    }

    private void expire(Held h) {
        boolean waiting;
        synchronized (tracker) {
            waiting = held.remove(h);
        }
        if (waiting) {
            settle(h, Decision.reject(RejectReason.DEFER_TIMEOUT));
            wake(); // the connections behind it may be admissible
        }
    }

    /** Decides the held connections again, in order, and hands each decided one to its listener's loop. */
    private void wake() {
        List<DeferQueue.Decided> decided;
        synchronized (tracker) {
            decided = held.takeDecided(h -> {
                InetSocketAddress remote = (InetSocketAddress) h.child.remoteAddress();
                if (remote == null || !h.child.isOpen()) {
                    return null; // the client left while it waited
                }
                InetSocketAddress peer = Addresses.canonical(remote);
                Decision d = ConnectionTracker.decide(peer, local(h.child), h.pending ? totalOnly : policy, tracker);
                if (d.verdict() == Verdict.ACCEPT) {
                    slots.take(h.child, h.pending ? null : peer.getAddress());
                }
                return d;
            });
        }
        for (DeferQueue.Decided d : decided) {
            try {
                d.held().gate.executor().execute(() -> settle(d.held(), d.decision()));
            } catch (RejectedExecutionException stopping) { // its listener's loop is shutting down
                d.held().child.unsafe().closeForcibly();
                slots.release(d.held().child);
            }
        }
    }

    /** After counting: tracked, and counted as accepted unless that waits for the PROXY protocol's verdict. */
    private void admitted(Channel child, boolean confirmedLater) {
        if (!confirmedLater) {
            observer.accepted(AdmissionObserver.port(child));
        }
        slots.track(child);
    }

    private static InetSocketAddress local(Channel ch) {
        return (InetSocketAddress) ch.localAddress();
    }

    private static void setLinger(Channel ch, int seconds) {
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, seconds);
        } catch (RuntimeException e) {
            log.debug("could not set SO_LINGER {} on {}: {}", seconds, ch, e.toString());
        }
    }
}
