package dev.echoport.loadgen.bench;

import dev.echoport.loadgen.MeasuredWindow;

/** A server process's CPU time (user + system) between the start and the end of a run's measured window. */
final class CpuWindow implements MeasuredWindow {
    private final long pid;
    private double start;
    private double seconds;

    CpuWindow(long pid) {
        this.pid = pid;
    }

    @Override
    public void started() {
        start = ProcStats.cpuSeconds(pid);
    }

    @Override
    public void stopped() {
        seconds = ProcStats.cpuSeconds(pid) - start;
    }

    double seconds() {
        return seconds;
    }
}
