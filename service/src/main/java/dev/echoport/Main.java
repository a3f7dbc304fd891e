package dev.echoport;

import dev.echoport.config.Settings;
import dev.echoport.config.SettingsException;
import dev.echoport.config.SettingsLoader;
import dev.echoport.transport.BindFailedException;
import dev.echoport.tls.ClientRenegotiation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The process entry point.
 *
 * <pre>
 * echoport [--config FILE] [--check-config]    run (or only validate the settings)
 * echoport healthcheck [URL]                   exit 0 if URL (default: local /health/live) answers 200
 * echoport --version | --help
 * </pre>
 *
 * Exit status: 0 after a clean stop (SIGTERM or SIGINT drains first), 2 for bad arguments, bad settings or a port
 * that cannot be bound (one line on stderr naming the key), 1 for anything unexpected. SIGHUP reloads the admission
 * rules and the faults from the config file, and the TLS certificate and key files.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    private static final String USAGE = """
            usage: echoport [--config FILE] [--check-config]
                   echoport healthcheck [URL]
                   echoport --version | --help
              --config FILE    HOCON settings layered over the defaults (also -Dconfig.file=FILE)
              --check-config   validate the settings, print them, exit 0 (or 2 with the problem)
              healthcheck      exit 0 if URL answers 200 (default http://127.0.0.1:$ECHOPORT_ADMIN_PORT/health/live)
            Signals: TERM/INT drain and exit 0; HUP reloads the admission rules and faults from the config
            file, and the TLS certificate and key files (other settings need a restart).""";

    private Main() {
    }

    public static void main(String[] args) {
        ClientRenegotiation.refuseOnJdk(); // first: the JDK reads the switch once, when its TLS server code loads
        System.exit(run(args));
    }

    static int run(String[] args) {
        Optional<Path> config = Optional.empty();
        boolean checkOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "healthcheck" -> {
                    return HealthCheck.run(i + 1 < args.length ? args[i + 1] : HealthCheck.defaultUrl());
                }
                case "--help", "-h" -> {
                    System.out.println(USAGE);
                    return EXIT_OK;
                }
                case "--version" -> {
                    System.out.println("echoport " + Version.get());
                    return EXIT_OK;
                }
                case "--check-config" -> checkOnly = true;
                case "--config", "-c" -> {
                    if (i + 1 >= args.length) {
                        return usageError("--config needs a file");
                    }
                    config = Optional.of(Path.of(args[++i]));
                }
                default -> {
                    return usageError("unknown argument: " + args[i]);
                }
            }
        }

        Settings settings;
        try {
            settings = SettingsLoader.load(config);
        } catch (SettingsException e) {
            System.err.println("echoport: config error: " + e.getMessage());
            return EXIT_USAGE;
        }
        if (checkOnly) {
            System.out.println("echoport: config OK: " + settings);
            return EXIT_OK;
        }
        return serve(settings, config);
    }

    private static int serve(Settings settings, Optional<Path> config) {
        Logger log = LoggerFactory.getLogger(Main.class);
        Echoport echoport = new Echoport(settings, config);
        // Handlers go in before start() logs "started": a supervisor (or a test) that signals as soon as it sees that
        // line must not meet the JVM's default HUP action, which is to exit. A signal that arrives during start-up
        // waits in the queue and is acted on once the listeners are up.
        LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
        for (String name : new String[]{"TERM", "INT", "HUP"}) {
            Signal.handle(new Signal(name), s -> signals.add(s.getName()));
        }
        try {
            echoport.start();
        } catch (BindFailedException e) {
            System.err.println("echoport: " + e.getMessage());
            return EXIT_USAGE;
        }
        try {
            while (true) {
                String s = signals.take();
                if (s.equals("HUP")) {
                    echoport.reload();
                    continue;
                }
                log.info("received SIG{}", s);
                echoport.shutdown();
                return EXIT_OK;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            echoport.close();
            return EXIT_FAILURE;
        } catch (RuntimeException e) {
            log.error("unexpected failure, stopping", e);
            echoport.close();
            return EXIT_FAILURE;
        }
    }

    private static int usageError(String problem) {
        System.err.println("echoport: " + problem);
        System.err.println(USAGE);
        return EXIT_USAGE;
    }
}
