package dev.echoport.admission;

/** Told about every admission decision, as it happens; implemented by the metrics. */
public interface AdmissionObserver {
    void accepted();

    void rejected(RejectReason reason);

    void deferred();
}
