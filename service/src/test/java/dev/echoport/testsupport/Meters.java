package dev.echoport.testsupport;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;

/** Reads counters the way a PromQL {@code sum} would: over every series of a name that carries the tags given. */
public final class Meters {
    private Meters() {
    }

    /**
     * The counters and function counters named {@code name} with these tags, summed over the tags not named (over
     * every port unless {@code "port"} is named); NaN if there is none.
     */
    public static double sum(MeterRegistry registry, String name, String... tags) {
        Search search = registry.find(name).tags(tags);
        var counters = search.counters();
        var functionCounters = search.functionCounters();
        if (counters.isEmpty() && functionCounters.isEmpty()) {
            return Double.NaN;
        }
        return counters.stream().mapToDouble(Counter::count).sum()
                + functionCounters.stream().mapToDouble(FunctionCounter::count).sum();
    }
}
