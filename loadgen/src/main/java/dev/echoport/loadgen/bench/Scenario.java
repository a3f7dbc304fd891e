package dev.echoport.loadgen.bench;

import java.util.List;

/**
 * One benchmark scenario: a load (connections x message size x pipeline) or, when {@code idle}, connections held
 * open without traffic to weigh what each costs the server.
 */
public record Scenario(String name, int connections, int messageSize, int pipeline, boolean idle) {

    /** The default scenarios of the issue; {@code quick} scales the big ones down so a run takes under a minute. */
    public static List<Scenario> standard(boolean quick) {
        return List.of(
                new Scenario("1 x 1 B (latency)", 1, 1, 1, false),
                new Scenario("50 x 512 B", 50, 512, 1, false),
                new Scenario(quick ? "200 x 512 B" : "1,000 x 512 B", quick ? 200 : 1000, 512, 1, false),
                new Scenario("10 x 64 KiB, pipeline 4 (bulk)", 10, 64 * 1024, 4, false),
                new Scenario(quick ? "500 idle" : "5,000 idle", quick ? 500 : 5000, 1, 1, true));
    }

    /** The scenarios drawn against connections in the chart: 1, 50 and the many-connection one. */
    public boolean inConnectionSweep() {
        return !idle && pipeline == 1;
    }
}
