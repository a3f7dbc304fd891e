package dev.echoport.metrics;

import dev.echoport.admission.RejectReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The meters of one echo port, under the {@code port} label: connections admitted and refused, bytes in and out.
 * The label's values are the ports echoport listens on (at most 64 echo ports and the TLS port), so it stays bounded.
 * A connection's handlers hold their port's meters, so the data path adds to a striped counter, no lookup per read.
 */
public final class PortMetrics {
    private final Counter accepted;
    private final Map<RejectReason, Counter> rejected = new EnumMap<>(RejectReason.class);
    private final LongAdder bytesReceived = new LongAdder();
    private final LongAdder bytesSent = new LongAdder();

    PortMetrics(MeterRegistry registry, int port) {
        String p = String.valueOf(port);
        accepted = Counter.builder(EchoMetrics.CONNECTIONS_ACCEPTED).tag("port", p)
                .description("Connections admitted by the condition function").register(registry);
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, Counter.builder(EchoMetrics.CONNECTIONS_REJECTED).tag("port", p).tag("reason", r.label())
                    .description("Connections refused before any byte was read, by reason").register(registry));
        }
        FunctionCounter.builder(EchoMetrics.BYTES_RECEIVED, bytesReceived, LongAdder::sum).tag("port", p)
                .description("Bytes read from admitted connections").register(registry);
        FunctionCounter.builder(EchoMetrics.BYTES_SENT, bytesSent, LongAdder::sum).tag("port", p)
                .description("Bytes echoed back and written to the socket").register(registry);
    }

    void accepted() {
        accepted.increment();
    }

    void rejected(RejectReason reason) {
        rejected.get(reason).increment();
    }

    public void bytesReceived(long n) {
        bytesReceived.add(n);
    }

    public void bytesSent(long n) {
        bytesSent.add(n);
    }
}
