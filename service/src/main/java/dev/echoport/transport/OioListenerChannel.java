package dev.echoport.transport;

import io.netty.channel.ChannelException;

import java.io.IOException;
import java.util.List;

/**
 * The OIO listening channel, kept open when {@code accept()} fails, and accepting in batches like the other
 * transports.
 *
 * <p>Netty's OIO read loop closes a channel on any {@link IOException}, and to it a failed {@code accept()} (EMFILE:
 * out of descriptors) is one: the listener would close and never accept again. Here such a failure reaches the
 * pipeline as an {@link AcceptFailedException} instead, so the accept-error backoff pauses accepting and resumes it,
 * as it does on every other transport.
 *
 * <p>A batch accepts until the backlog is empty or the batch is full (see {@link ListenerPause}): the first accept of
 * a batch blocks as Netty's does (1 s, then the loop looks at the channel's state), each further one waits 1 ms at
 * most, so an empty backlog ends the batch at once instead of holding the connections accepted so far for a second.
 */
@SuppressWarnings("deprecation") // OIO is deprecated in Netty 4.2; it is here on purpose, as the blocking model.
public final class OioListenerChannel extends io.netty.channel.socket.oio.OioServerSocketChannel {
    private static final int FIRST_ACCEPT_TIMEOUT_MILLIS = 1000;
    private static final int NEXT_ACCEPT_TIMEOUT_MILLIS = 1;
    private boolean firstOfBatch;

    @Override
    protected void doRead() {
        firstOfBatch = true;
        super.doRead();
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        try {
            config().setSoTimeout(firstOfBatch ? FIRST_ACCEPT_TIMEOUT_MILLIS : NEXT_ACCEPT_TIMEOUT_MILLIS);
        } catch (ChannelException e) {
            if (!isOpen()) {
                return -1; // closed under us (drain, close): the read loop closes the channel, as Netty's would
            }
            throw e;
        }
        firstOfBatch = false;
        try {
            return super.doReadMessages(buf);
        } catch (IOException e) {
            if (!isOpen()) {
                throw e; // the listener itself is gone: let Netty close the channel
            }
            throw new AcceptFailedException(e);
        }
    }

    /** A failed accept on a listener that is still open; its cause is the accept's own {@link IOException}. */
    public static final class AcceptFailedException extends RuntimeException {
        AcceptFailedException(IOException cause) {
            super(cause.getMessage(), cause, false, false);
        }

        @Override
        public String toString() {
            return getCause().toString();
        }
    }
}
