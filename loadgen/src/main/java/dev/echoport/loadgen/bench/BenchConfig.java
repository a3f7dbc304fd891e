package dev.echoport.loadgen.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a benchmark session runs.
 *
 * @param transports       echoport transports to compare (those not available here are reported as skipped)
 * @param baselines        transports on which Netty's canonical echo and the minimal echo server also run
 * @param echoportJar      the echoport jar to launch; empty = echoport's Main from this classpath
 * @param clientTransport  the Java client's transport (the same client for every server)
 * @param rounds           how many times each scenario runs against each server, interleaved; the median counts
 * @param note             a line for the report (e.g. "the machine was shared with other builds")
 * @param client           "c": the C load client drives the load scenarios (falls back to "java" when it cannot be
 *                         built, saying why); "java": loadgen's own client
 * @param cEcho            also run the C epoll echo server (when a C compiler is present)
 * @param variants         extra echoport servers with their own settings ({@code --variant})
 * @param arguments        the options this run was given, for the report's "produced by" line
 */
public record BenchConfig(boolean quick, List<String> transports, List<String> baselines, Optional<Path> echoportJar,
        String clientTransport, int clientThreads, Duration warmup, Duration duration, int rounds, int basePort,
        Path outDir, Optional<String> note, List<Scenario> scenarios, String client, boolean cEcho,
        List<ServerSpec> variants, String arguments) {
}
