package dev.echoport.metrics;

import dev.echoport.testsupport.Clients;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The metrics tests' view of {@link Clients}: connections by port and source address, and a close that must come
 * (never an echoed byte, never a connection left open).
 */
final class EchoClient {
    static final int READ_TIMEOUT_MS = Clients.TIMEOUT_MILLIS;

    private EchoClient() {
    }

    /** A connection to echoport's port from {@code source} (e.g. 127.0.0.2), with a read timeout. */
    static Socket connect(int port, String source) throws IOException {
        return Clients.connectFrom(source, new InetSocketAddress("127.0.0.1", port));
    }

    /** Writes {@code payload} and reads exactly as many bytes back, checking they are the same. */
    static void roundTrip(Socket s, byte[] payload) throws IOException {
        assertThat(Clients.roundTrip(s, payload)).as("echo equals what was sent").isEqualTo(payload);
    }

    /**
     * Connects from {@code source} and waits until echoport refuses the connection; returns how the refusal showed
     * (a reset during connect counts: see {@link Clients#connectFrom}).
     */
    static String connectAndAwaitRefusal(int port, String source) throws IOException {
        try (Socket s = connect(port, source)) {
            return awaitServerClose(s);
        }
    }

    /**
     * Waits until the server ends the connection and returns how ("eof" or "reset"); fails if it echoes a byte or
     * stays open for the read timeout. A rejected connection never gets a byte.
     */
    static String awaitServerClose(Socket s) {
        String seen;
        try {
            seen = Clients.refusal(s, READ_TIMEOUT_MS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        switch (seen) {
            case "data":
                return fail("server sent a byte on a connection expected to be closed");
            case "open":
                return fail("server kept the connection open for " + READ_TIMEOUT_MS + " ms");
            default:
                return seen;
        }
    }
}
