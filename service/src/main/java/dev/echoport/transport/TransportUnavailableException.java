package dev.echoport.transport;

/** A transport was asked for by name but cannot run on this host; the message carries Netty's cause. */
public final class TransportUnavailableException extends RuntimeException {
    private final Transport transport;

    public TransportUnavailableException(Transport transport, Throwable cause) {
        super(transport.configName() + ": " + transport.unavailabilityReason(), cause);
        this.transport = transport;
    }

    public Transport transport() {
        return transport;
    }
}
