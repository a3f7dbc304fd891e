package dev.echoport.reliability;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import ch.qos.logback.classic.Level;
import dev.echoport.testsupport.CapturingAppender;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Peers that reset mid-stream, close mid-message or shut their output down early: normal network behaviour, so no
 * ERROR in the log, no leaked buffer (the PARANOID leak detector checks every one, see NoLeaks), exact counts.
 */
class PeerMisbehaviourTest {
    static final int ROUNDS = 40;

    @EveryTransport
    void resets_early_closes_and_half_closes_are_normal_peer_behaviour(Transport transport) throws Exception {
        long seed = Reliability.SEED;
        Random random = new Random(seed);
        CapturingAppender.clear();
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport))) {
            for (int i = 0; i < ROUNDS; i++) {
                resetMidStream(rs, Clients.randomBytes(256 * 1024 + random.nextInt(65536), seed + i));
                closeMidMessage(rs, Clients.randomBytes(1 + random.nextInt(200_000), seed + i));
                halfCloseEarly(rs, Clients.randomBytes(1 + random.nextInt(300_000), seed + i), seed);
            }
            int total = 3 * ROUNDS;
            Await.until(String.format("every connection released, %s seed %d", transport, seed),
                    () -> rs.server().counts().active() == 0);
            Await.until("every connection counted as closed", () -> closed(rs) == total);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(total);
            assertThat(rs.counter("echoport.connections.closed", "cause", "client"))
                    .as("closes counted as the client's doing, %s seed %d", transport, seed).isEqualTo(total);
            assertThat(rs.counter("echoport.connections.closed", "cause", "error")).isZero();
        }
        List<String> errors = CapturingAppender.events(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                        && !e.getLoggerName().startsWith("io.netty.util.ResourceLeakDetector")).stream()
                .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).toList();
        assertThat(errors).as("WARN/ERROR logged for normal peer behaviour, %s seed %d", transport, seed).isEmpty();
    }

    private static double closed(RunningEchoport rs) {
        double sum = 0;
        for (String cause : new String[]{"client", "idle", "shutdown", "error"}) {
            sum += rs.counter("echoport.connections.closed", "cause", cause);
        }
        return sum;
    }

    /** Sends a big payload, reads a little of the echo, then aborts with RST while the server is still writing. */
    private static void resetMidStream(RunningEchoport rs, byte[] payload) throws IOException {
        Socket s = Clients.connect(rs.address());
        Thread writer = new Thread(() -> {
            try {
                s.getOutputStream().write(payload);
            } catch (IOException resetUnderUs) {
                // the abort below may land while this write is still running
            }
        }, "reset-writer");
        writer.start();
        Clients.readExactly(s.getInputStream(), 1024);
        s.setSoLinger(true, 0);
        s.close();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes part of a message and closes without reading anything back. */
    private static void closeMidMessage(RunningEchoport rs, byte[] payload) throws IOException {
        try (Socket s = Clients.connect(rs.address())) {
            s.getOutputStream().write(payload, 0, payload.length / 2);
        }
    }

    /** Writes, shuts output down at once, and must still get the whole echo followed by EOF. */
    private static void halfCloseEarly(RunningEchoport rs, byte[] payload, long seed) throws Exception {
        try (Socket s = Clients.connect(rs.address())) {
            byte[][] back = new byte[1][];
            Thread reader = new Thread(() -> {
                try {
                    InputStream in = s.getInputStream();
                    back[0] = in.readAllBytes();
                } catch (IOException e) {
                    back[0] = new byte[0];
                }
            }, "half-close-reader");
            reader.start();
            s.getOutputStream().write(payload);
            s.shutdownOutput();
            reader.join(15_000);
            assertThat(back[0]).as("echo after shutdownOutput, %d bytes, seed %d", payload.length, seed)
                    .isEqualTo(payload);
        }
    }
}
