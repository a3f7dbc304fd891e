package dev.echoport.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/** One blocking echo connection that checks every byte it gets back against what it sent. */
final class EchoClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    EchoClient(String host, int port) throws IOException {
        socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** Sends {@code size} random bytes and reads them back; throws if the echo differs or the peer goes away. */
    void roundTrip(int size) throws IOException {
        byte[] sent = new byte[size];
        ThreadLocalRandom.current().nextBytes(sent);
        out.write(sent);
        out.flush();
        byte[] received = in.readNBytes(size);
        if (received.length != size) {
            throw new IOException("echo ended after " + received.length + " of " + size + " bytes");
        }
        if (!Arrays.equals(sent, received)) {
            throw new IOException("echo differs from what was sent");
        }
    }

    /** One verified 512-byte round trip on a fresh connection, then close. */
    void roundTripAndClose() throws IOException {
        try (this) {
            roundTrip(512);
        }
    }

    /**
     * Whether the server refused this connection: sending a message gets no echo, only end-of-stream or a reset
     * (through Docker's proxy a reset by the service may reach the client as an orderly close).
     */
    boolean refused() throws IOException {
        try {
            out.write(new byte[]{1, 2, 3, 4});
            out.flush();
            return in.read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
