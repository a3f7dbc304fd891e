package dev.echoport.transport;

/** A listener could not bind; the message names the setting, the address and the reason, in one line. */
public final class BindFailedException extends RuntimeException {
    public BindFailedException(String setting, String host, int port, Throwable cause) {
        super(setting + " = " + port + ": cannot listen on " + host + ":" + port + " ("
                + (cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()) + ")", cause);
    }
}
