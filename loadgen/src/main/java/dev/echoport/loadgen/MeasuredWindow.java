package dev.echoport.loadgen;

/**
 * Told when a run's measured window starts (after the warm-up) and ends, on the thread that drives the run, so that
 * whatever is sampled around it (a server's CPU time) covers exactly the round trips the report counts.
 */
public interface MeasuredWindow {
    MeasuredWindow NONE = new MeasuredWindow() {
        @Override
        public void started() {
        }

        @Override
        public void stopped() {
        }
    };

    void started();

    void stopped();
}
