package dev.echoport.loadgen.bench;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** Placeholder. */
@Command(name = "bench")
public final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
