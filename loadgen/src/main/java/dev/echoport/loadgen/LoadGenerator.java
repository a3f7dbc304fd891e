package dev.echoport.loadgen;

/** Runs one load against a TCP echo server and reports what it measured and verified. */
public final class LoadGenerator {
    private LoadGenerator() {
    }

    /**
     * Opens the connections, drives traffic (warm-up, then the measured window), waits for every message in flight,
     * closes everything and reports.
     *
     * @throws IllegalArgumentException when an option is invalid (the message names it)
     */
    public static LoadReport run(LoadOptions options) throws InterruptedException {
        return runDetailed(options, null).report();
    }

    /** {@link #run} with its explanation; {@code progress} (may be null) hears from the run once a second. */
    public static RunDetails runDetailed(LoadOptions options, ProgressListener progress) throws InterruptedException {
        return runDetailed(options, progress, null);
    }

    /** {@link #runDetailed(LoadOptions, ProgressListener)} over TLS when {@code tls} is not null. */
    public static RunDetails runDetailed(LoadOptions options, ProgressListener progress,
                                         io.netty.handler.ssl.SslContext tls) throws InterruptedException {
        try (LoadSession session = new LoadSession(options, tls)) {
            session.open();
            return session.drive(progress);
        }
    }
}
