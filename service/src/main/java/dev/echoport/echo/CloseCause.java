package dev.echoport.echo;

import java.util.Locale;

/** Why an admitted connection ended; each value is one {@code cause} label of the closed-connections counter. */
public enum CloseCause {
    /** The peer closed or reset the connection: normal client behaviour. */
    CLIENT,
    /** No byte moved either way for {@code idle-timeout}. */
    IDLE,
    /** The server drained and closed it at the end of the grace period. */
    SHUTDOWN,
    /** An error on our side (or one we could not attribute to the peer). */
    ERROR,
    /** Prefix mode: the peer sent a line longer than echo.max-line-length. */
    LINE_TOO_LONG,
    /** Ended on purpose by an injected fault (close-after-bytes, reset-after-bytes, reset-after). */
    FAULT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
