package dev.echoport.testsupport;

import dev.echoport.transport.Transport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Skips a parametrised test for a transport this host cannot run, reporting Netty's reason. */
public final class Transports {
    private Transports() {
    }

    public static void assumeAvailable(Transport transport) {
        assumeTrue(transport.isAvailable(), () -> transport.configName() + " " + transport.unavailabilityReason());
    }
}
