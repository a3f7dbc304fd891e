package dev.echoport.admission;

/** The three answers of Winsock's {@code WSAAccept} condition function. */
public enum Verdict {
    /** {@code CF_ACCEPT}: the connection is admitted and reaches the echo handler. */
    ACCEPT,
    /** {@code CF_REJECT}: the connection is closed before a byte is read (reset by default). */
    REJECT,
    /** {@code CF_DEFER}: the server stops accepting and the connection waits until a slot frees. */
    DEFER
}
