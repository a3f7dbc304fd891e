package dev.echoport.server;

/**
 * Names of echoport's pipeline handlers, in pipeline order.
 *
 * <p>Listening channel: {@link #ADMISSION} (then Netty's acceptor, which registers admitted connections).
 * <p>Each admitted connection, read top to bottom:
 * <pre>
 *   {@link #LIFECYCLE}     records lifetime and close cause, turns exceptions into one log line
 *   {@link #IDLE_TIMEOUT}  closes silent connections (only when echo.idle-timeout &gt; 0)
 *   {@link #ECHO}          writes back what it reads, with backpressure and half-close
 * </pre>
 */
public final class PipelineNames {
    public static final String ADMISSION = "admission";
    public static final String LIFECYCLE = "lifecycle";
    public static final String IDLE_TIMEOUT = "idle-timeout";
    public static final String ECHO = "echo";

    private PipelineNames() {
    }
}
