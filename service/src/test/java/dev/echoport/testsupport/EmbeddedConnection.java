package dev.echoport.testsupport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An {@link EmbeddedChannel} that looks like a TCP connection (IP addresses at both ends, as Netty's own
 * {@code IpSubnetFilterTest} fakes them) and whose peer can stop reading: while {@link #peerReads} is false, flushed
 * writes stay queued in the outbound buffer, as they would for a peer that does not read, so writability and the
 * write-buffer watermarks behave as on a real socket.
 */
public class EmbeddedConnection extends EmbeddedChannel {
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private boolean peerReads = true;

    public EmbeddedConnection(String remoteIp, ChannelHandler... handlers) {
        super(DefaultChannelId.newInstance(), false, false, handlers); // registered below, once the addresses are set
        this.remote = new InetSocketAddress(remoteIp, 40_000);
        this.local = new InetSocketAddress("127.0.0.1", 7007);
        try {
            register();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the peer reads what is flushed to it (true) or leaves it queued here (false). */
    public void peerReads(boolean reads) {
        peerReads = reads;
        if (reads) {
            flushOutbound();
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer in) throws Exception {
        if (peerReads) {
            super.doWrite(in);
        }
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remote;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }
}
