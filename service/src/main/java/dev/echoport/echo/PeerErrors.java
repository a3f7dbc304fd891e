package dev.echoport.echo;

import io.netty.channel.unix.Errors;

import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * echoport's error-code table: tells errors a peer causes by normal network behaviour (reset, broken pipe, timed out)
 * from errors of ours. The first are logged at DEBUG and counted as {@code cause="client"}; the second at WARN as
 * {@code cause="error"}.
 */
public final class PeerErrors {
    private PeerErrors() {
    }

    public static boolean isPeerCaused(Throwable t) {
        if (t instanceof ClosedChannelException || t instanceof Errors.NativeIoException) {
            return true; // native transports report ECONNRESET, EPIPE, ETIMEDOUT this way
        }
        if (t instanceof SocketException || t instanceof IOException) {
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            return m.contains("reset") || m.contains("broken pipe") || m.contains("connection abort")
                    || m.contains("timed out") || m.contains("closed") || m.contains("no route");
        }
        return false;
    }

    /** One line, no stack: "IOException: Connection reset by peer". */
    public static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m.replace('\n', ' ');
    }
}
