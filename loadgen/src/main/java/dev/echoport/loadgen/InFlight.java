package dev.echoport.loadgen;

/**
 * The messages of one connection that were sent and not yet fully echoed, oldest first: each with its send time (the
 * intended one in open loop) and whether it belongs to the measured window. A growable ring; one thread only.
 */
final class InFlight {
    private long[] times;
    private boolean[] measured;
    private int head;
    private int size;

    InFlight(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(2, initialCapacity - 1)) << 1;
        times = new long[cap];
        measured = new boolean[cap];
    }

    void add(long sendNanos, boolean inMeasuredWindow) {
        if (size == times.length) {
            grow();
        }
        int i = (head + size) & (times.length - 1);
        times[i] = sendNanos;
        measured[i] = inMeasuredWindow;
        size++;
    }

    long oldestTime() {
        return times[head];
    }

    boolean oldestMeasured() {
        return measured[head];
    }

    void removeOldest() {
        head = (head + 1) & (times.length - 1);
        size--;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    private void grow() {
        long[] t = new long[times.length * 2];
        boolean[] m = new boolean[times.length * 2];
        for (int k = 0; k < size; k++) {
            int i = (head + k) & (times.length - 1);
            t[k] = times[i];
            m[k] = measured[i];
        }
        times = t;
        measured = m;
        head = 0;
    }
}
