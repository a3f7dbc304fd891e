package dev.echoport.config;

import java.time.Duration;

/** Reads and validates the {@code faults} keys; related keys are checked together, naming the one to change. */
final class FaultSettingsReader {
    private static final long MAX_BYTES = 1L << 50; // 1 PiB: "never" in practice, and far from overflow

    private FaultSettingsReader() {
    }

    static FaultSettings read(ConfigReader r) {
        Duration latency = r.durationIn("faults.latency", Duration.ZERO, Duration.ofMinutes(10));
        Duration jitter = r.durationIn("faults.latency-jitter", Duration.ZERO, Duration.ofMinutes(10));
        if (jitter.compareTo(latency) > 0) {
            throw r.error("faults.latency-jitter", "must not exceed echoport.faults.latency ("
                    + latency.toMillis() + "ms): a delay cannot be negative");
        }
        long bandwidth = r.longBytesIn("faults.bandwidth", 0, MAX_BYTES);
        int slice = r.bytesIn("faults.slice", 0, 16L << 20);
        Duration sliceDelay = r.durationIn("faults.slice-delay", Duration.ZERO, Duration.ofMinutes(1));
        if (!sliceDelay.isZero() && slice == 0) {
            throw r.error("faults.slice-delay", "needs echoport.faults.slice > 0 (the chunk size)");
        }
        long closeAfter = r.longBytesIn("faults.close-after-bytes", 0, MAX_BYTES);
        long resetAfterBytes = r.longBytesIn("faults.reset-after-bytes", 0, MAX_BYTES);
        if (closeAfter > 0 && resetAfterBytes > 0) {
            throw r.error("faults.reset-after-bytes", "cannot be combined with echoport.faults.close-after-bytes"
                    + " (" + closeAfter + "): choose FIN or RST");
        }
        Duration resetAfter = r.durationIn("faults.reset-after", Duration.ZERO, Duration.ofDays(1));
        double probability = r.doubleIn("faults.probability", 0, 1);
        double udpDrop = r.doubleIn("faults.udp-drop", 0, 1);
        return new FaultSettings(latency, jitter, bandwidth, slice, sliceDelay, closeAfter, resetAfterBytes,
                resetAfter, probability, udpDrop);
    }
}
