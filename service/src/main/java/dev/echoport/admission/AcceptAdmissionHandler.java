package dev.echoport.admission;

import dev.echoport.transport.ListenerPause;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.EventExecutor;

import java.net.InetSocketAddress;
import java.util.function.Function;

/**
 * The condition function at accept, on a listening channel: every accepted socket is put to {@link Admission} before
 * it is registered, so a refused connection never reaches the echo pipeline and never has a byte read. Admitted ones
 * go on to Netty's acceptor (registration); deferred ones are held by the admission core, and this listener stops
 * accepting at the end of the read batch until none of its connections is held any more.
 *
 * <p>One per listening channel (it counts that channel's held connections): not {@code @Sharable}.
 */
public final class AcceptAdmissionHandler extends ChannelInboundHandlerAdapter {
    private final Admission admission;
    private final ListenerPause pause;
    private final Function<InetSocketAddress, ClientAtAccept> client;
    private ChannelHandlerContext ctx;
    private int acceptedInBatch;
    private int heldHere;

    /** @param client who the client of a connection from a peer is (the peer, unless PROXY protocol is on) */
    public AcceptAdmissionHandler(Admission admission, ListenerPause pause,
                                  Function<InetSocketAddress, ClientAtAccept> client) {
        this.admission = admission;
        this.pause = pause;
        this.client = client;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        acceptedInBatch++;
        long arrived = pause.arrivedNoEarlierThan();
        InetSocketAddress peer = (InetSocketAddress) child.remoteAddress();
        ClientAtAccept who = peer == null ? ClientAtAccept.PEER : client.apply(peer);
        switch (admission.onAccept(child, who, this, arrived)) {
            case ACCEPT -> register(child);
            case DEFER -> heldHere++;
            case REJECT -> { }
        }
    }

    /**
     * Accepting stops here, at the end of the batch, not at the first deferral: the accept loop then runs until the
     * backlog is empty or the batch is full, which is how {@link ListenerPause} learns that the backlog was drained.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        pause.batchEnded(acceptedInBatch);
        acceptedInBatch = 0;
        if (heldHere > 0) {
            pause.pause(ListenerPause.DEFER);
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        admission.dropHeld(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        admission.dropHeld(this);
    }

    EventExecutor executor() {
        return ctx.executor();
    }

    /** A held connection was decided (on this listener's loop): admitted ones go on to registration. */
    void settled(Channel child, boolean admitted) {
        heldHere--;
        if (admitted) {
            register(child);
        }
        if (heldHere == 0) {
            pause.resume(ListenerPause.DEFER);
        }
    }

    private void register(Channel child) {
        ctx.fireChannelRead(child);
        // Netty's acceptor force-closes a child it could not register, and then no close future fires. A child that
        // registered may already be closing on its own loop (a fast TLS failure): it is not open, and its close
        // future is not done yet. Netty closes (isOpen false), then completes the close future, then deregisters,
        // so read in the other order: not registered and still no close future means it never registered.
        if (!child.isOpen() && !child.isRegistered() && !child.closeFuture().isDone()) {
            admission.registrationFailed(child);
        }
    }
}
