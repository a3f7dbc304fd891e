package dev.echoport.reliability;

import dev.echoport.Echoport;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Optional;

/** A whole echoport (echo + admin) in this JVM, started from a config file so that reload() can re-read it. */
final class InProcessEchoport implements AutoCloseable {
    private final Echoport echoport;

    private InProcessEchoport(Echoport echoport) {
        this.echoport = echoport;
    }

    /** {@code file} must put both listeners on loopback with port 0 (and so admin on). */
    static InProcessEchoport start(Path file) {
        Settings settings = SettingsLoader.load(Optional.of(file));
        settings = settings.withAdmin(new Settings.Admin(true, "127.0.0.1", 0));
        return new InProcessEchoport(new Echoport(settings, Optional.of(file)).start());
    }

    Echoport echoport() {
        return echoport;
    }

    InetSocketAddress echoAddress() {
        return new InetSocketAddress("127.0.0.1", echoport.server().port());
    }

    int adminPort() {
        return echoport.admin().orElseThrow().localAddress().getPort();
    }

    @Override
    public void close() {
        echoport.close();
    }
}
