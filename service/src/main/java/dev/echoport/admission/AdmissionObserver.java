package dev.echoport.admission;

/** Told about every admission decision, as it happens; implemented by the metrics. */
public interface AdmissionObserver {
    /** Admitted on the listener of local port {@code port}. */
    void accepted(int port);

    /** Refused on the listener of local port {@code port}. */
    void rejected(int port, RejectReason reason);

    void deferred();
}
