package dev.echoport.loadgen.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a benchmark session runs.
 *
 * @param transports       server transports to compare (those not available here are reported as skipped)
 * @param baselines        transports on which the minimal Netty echo server also runs
 * @param echoportJar      the echoport jar to launch; empty = echoport's Main from this classpath
 * @param clientTransport  loadgen's own transport for every scenario (the same client for every server)
 * @param rounds           how many times each scenario runs against each server, interleaved; the median counts
 * @param note             a line for the report (e.g. "the machine was shared with other builds")
 */
public record BenchConfig(boolean quick, List<String> transports, List<String> baselines, Optional<Path> echoportJar,
        String clientTransport, int clientThreads, Duration warmup, Duration duration, int rounds, int basePort,
        Path outDir,
        Optional<String> note, List<Scenario> scenarios) {
}
