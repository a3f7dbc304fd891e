package dev.echoport.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** Blocking loopback clients for the metrics tests: connect from a chosen source address, echo, await a close. */
final class EchoClient {
    static final int READ_TIMEOUT_MS = 10_000;

    private EchoClient() {
    }

    static InetAddress loopback(String address) {
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** A connection to echoport's port from {@code source} (e.g. 127.0.0.2), with a read timeout. */
    static Socket connect(int port, String source) throws IOException {
        Socket s = new Socket();
        try {
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.bind(new InetSocketAddress(loopback(source), 0));
            s.connect(new InetSocketAddress(loopback("127.0.0.1"), port), READ_TIMEOUT_MS);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Writes {@code payload} and reads exactly as many bytes back, checking they are the same. */
    static void roundTrip(Socket s, byte[] payload) throws IOException {
        s.getOutputStream().write(payload);
        s.getOutputStream().flush();
        byte[] back = s.getInputStream().readNBytes(payload.length);
        assertThat(back.length).as("echoed bytes").isEqualTo(payload.length);
        assertThat(Arrays.equals(back, payload)).as("echo equals what was sent").isTrue();
    }

    /**
     * Connects from {@code source} and waits until echoport refuses the connection; returns how the refusal showed.
     * echoport refuses after the kernel completed the handshake, so the reset can already be there when the
     * client's connect call checks the socket: a reset during connect counts as the refusal too.
     */
    static String connectAndAwaitRefusal(int port, String source) throws IOException {
        Socket s;
        try {
            s = connect(port, source);
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("reset")) {
                return "reset during connect";
            }
            throw e;
        }
        try (s) {
            return awaitServerClose(s);
        }
    }

    /**
     * Waits until the server ends the connection (end of stream or reset) and returns which; fails if it echoes a
     * byte or stays open for the read timeout. A rejected connection never gets a byte.
     */
    static String awaitServerClose(Socket s) {
        try {
            InputStream in = s.getInputStream();
            int b = in.read();
            if (b == -1) {
                return "eof";
            }
            return fail("server sent a byte (" + b + ") on a connection expected to be closed");
        } catch (SocketTimeoutException e) {
            return fail("server kept the connection open for " + READ_TIMEOUT_MS + " ms");
        } catch (SocketException e) {
            return "reset: " + e.getMessage();
        } catch (IOException e) {
            return "io error: " + e;
        }
    }
}
