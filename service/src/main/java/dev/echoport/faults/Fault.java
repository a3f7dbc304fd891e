package dev.echoport.faults;

import java.util.Locale;

/** The faults echoport can inject; each value is one {@code fault} label of the fault meters. */
public enum Fault {
    /** Every echo held back by faults.latency (± faults.latency-jitter). */
    LATENCY,
    /** Echo written at faults.bandwidth bytes a second. */
    BANDWIDTH,
    /** Echo written in chunks of faults.slice bytes, faults.slice-delay apart. */
    SLICE,
    /** FIN after faults.close-after-bytes echoed bytes. */
    CLOSE_AFTER_BYTES,
    /** RST after faults.reset-after-bytes echoed bytes. */
    RESET_AFTER_BYTES,
    /** RST faults.reset-after after the connection was admitted. */
    RESET_AFTER,
    /** A share of UDP datagrams not echoed. */
    UDP_DROP;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
