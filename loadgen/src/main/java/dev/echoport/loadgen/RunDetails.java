package dev.echoport.loadgen;

/**
 * A {@link LoadReport} with what explains it: the client transport and threads, how busy the busiest client loop was,
 * the open-loop schedule lag, and whether the run stalled or left messages unanswered.
 *
 * @param busiestLoop        CPU time / wall time of the busiest client event-loop thread in the measured window
 * @param tickLagP99Micros   open loop: p99 of how late the send schedule fired (client lag), else 0
 * @param stalled            with a message count: round trips stopped advancing and the run was cut short
 * @param drained            every message in flight was echoed before the connections were closed
 * @param firstError         the first error seen (refusal, reset, mismatch), or null
 */
public record RunDetails(LoadReport report, String transport, int threads, double busiestLoop,
        long tickLagP99Micros, boolean stalled, boolean drained, String firstError) {

    /** Exit status: 0 clean, 1 any echoed byte wrong, 3 connections refused/reset/unanswered (no mismatch). */
    public int exitCode() {
        if (report.mismatches() > 0) {
            return ExitCodes.MISMATCH;
        }
        if (report.connectFailures() > 0 || report.resets() > 0 || report.connectionsOpened() == 0 || stalled
                || !drained) {
            return ExitCodes.CONNECTION_ERRORS;
        }
        return ExitCodes.OK;
    }
}
