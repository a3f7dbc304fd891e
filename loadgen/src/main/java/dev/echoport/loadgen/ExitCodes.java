package dev.echoport.loadgen;

/** The exit statuses of the loadgen command, documented in its --help. */
public final class ExitCodes {
    /** Every byte verified, no connection failed. */
    public static final int OK = 0;
    /** At least one echoed byte differed from what was sent (or arrived unsolicited). */
    public static final int MISMATCH = 1;
    /** Bad option: one line on stderr names it. */
    public static final int USAGE = 2;
    /** No mismatch, but connections were refused or reset, or echoes never came back. */
    public static final int CONNECTION_ERRORS = 3;
    /** The benchmark could not produce its report (a server did not start, a scenario failed). */
    public static final int BENCH_FAILED = 4;

    private ExitCodes() {
    }
}
