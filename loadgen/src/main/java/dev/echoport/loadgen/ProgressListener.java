package dev.echoport.loadgen;

/** Receives a snapshot of a running load once a second (for a live progress line). */
@FunctionalInterface
public interface ProgressListener {
    void progress(Progress p);

    /** Counters since the run began, warm-up included. */
    record Progress(double elapsedSeconds, String phase, long roundTrips, long bytesSent, long bytesReceived,
            int liveConnections, long mismatches) {
    }
}
