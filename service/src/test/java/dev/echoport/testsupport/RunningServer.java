package dev.echoport.testsupport;

import dev.echoport.config.Settings;
import dev.echoport.server.EchoServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;

import dev.echoport.admission.AdmissionPolicy;

/** An in-process {@link EchoServer} with its own registry, for try-with-resources in tests. */
public final class RunningServer implements AutoCloseable {
    private final EchoServer server;
    private final MeterRegistry registry = new SimpleMeterRegistry();

    private RunningServer(Settings settings, Optional<AdmissionPolicy> extraPolicy) {
        this.server = extraPolicy.map(p -> new EchoServer(settings, registry, Optional.of(p)))
                .orElseGet(() -> new EchoServer(settings, registry)) // honours admission.policy-class
                .start();
    }

    public static RunningServer start(Settings settings) {
        return new RunningServer(settings, Optional.empty());
    }

    public static RunningServer start(Settings settings, AdmissionPolicy extraPolicy) {
        return new RunningServer(settings, Optional.of(extraPolicy));
    }

    public EchoServer server() {
        return server;
    }

    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.port());
    }

    public double counter(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        if (c != null) {
            return c.count();
        }
        var f = registry.find(name).tags(tags).functionCounter();
        return f == null ? Double.NaN : f.count();
    }

    /** Waits until {@code condition} holds or {@code millis} pass; for state that changes on another thread. */
    public static boolean await(Supplier<Boolean> condition, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.onSpinWait();
            Thread.sleep(1); // polling external state with a deadline; there is no event to wait on
        }
        return true;
    }

    @Override
    public void close() {
        server.close();
    }
}
