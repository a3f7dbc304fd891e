package dev.echoport.transport;

import java.io.IOException;
import java.util.List;

/**
 * The OIO listening channel, kept open when {@code accept()} fails.
 *
 * <p>Netty's OIO read loop closes a channel on any {@link IOException}, and to it a failed {@code accept()} (EMFILE:
 * out of descriptors) is one: the listener would close and never accept again. Here such a failure reaches the
 * pipeline as an {@link AcceptFailedException} instead, so the admission handler pauses accepting and resumes it, as
 * it does on every other transport.
 */
@SuppressWarnings("deprecation") // OIO is deprecated in Netty 4.2; it is here on purpose, as the blocking model.
public final class OioListenerChannel extends io.netty.channel.socket.oio.OioServerSocketChannel {

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
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
