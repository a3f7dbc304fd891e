package dev.echoport.loadgen;

import dev.echoport.transport.Transport;
import dev.echoport.transport.TransportSelection;
import dev.echoport.transport.TransportUnavailableException;

/** Chooses the client's own transport and thread count from the options. */
final class ClientTransport {
    private ClientTransport() {
    }

    /** "auto" or a transport name, resolved like the server does; bad names as IllegalArgumentException. */
    static Transport resolve(String name) {
        try {
            return TransportSelection.resolve(name).active();
        } catch (TransportUnavailableException e) {
            throw new IllegalArgumentException("--transport " + name + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--transport " + name + ": unknown transport (auto, "
                    + String.join(", ", Transport.available().stream().map(Transport::configName).toList())
                    + ")", e);
        }
    }

    /**
     * Event-loop threads: as asked, else one per core but no more than connections (a loop per core keeps each
     * connection on one thread, with no hand-off). OIO always gets a thread per connection.
     */
    static int threads(Transport t, LoadOptions o) {
        if (t.isThreadPerConnection()) {
            return 0;
        }
        if (o.threads() > 0) {
            return o.threads();
        }
        return Math.max(1, Math.min(o.connections(), Runtime.getRuntime().availableProcessors()));
    }
}
