package dev.echoport.testsupport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Blocking loopback clients: the simplest trustworthy peer for checking what crossed the wire. */
public final class Clients {
    public static final int TIMEOUT_MILLIS = 10_000;

    private Clients() {
    }

    public static Socket connect(InetSocketAddress address) throws IOException {
        return connect(null, address);
    }

    /** Connects from a chosen local address, e.g. 127.0.0.2, to appear as another client. */
    public static Socket connectFrom(String localAddress, InetSocketAddress address) throws IOException {
        return connect(new InetSocketAddress(localAddress, 0), address);
    }

    /**
     * The kernel completes the handshake before the server accepts, and a refusal is accept-then-reset: a busy client
     * thread may see that reset while connect() is still finishing. That is a refused connection, not a failed test,
     * so it comes back as a socket whose streams report the reset, as a reset seen on a later read would.
     */
    private static Socket connect(InetSocketAddress from, InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        try {
            s.setSoTimeout(TIMEOUT_MILLIS);
            if (from != null) {
                s.bind(from);
            }
            s.connect(to, TIMEOUT_MILLIS);
            return s;
        } catch (SocketException e) {
            s.close();
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                throw e;
            }
            return new ResetWhileConnecting(e);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private static final class ResetWhileConnecting extends Socket {
        private final SocketException reset;

        ResetWhileConnecting(SocketException reset) {
            this.reset = reset;
        }

        @Override
        public InputStream getInputStream() throws IOException {
            throw new SocketException(reset.getMessage() + " (while connecting)");
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new SocketException(reset.getMessage() + " (while connecting)");
        }
    }

    public static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes on another thread while reading here, so a message larger than the socket buffers cannot deadlock. */
    public static byte[] roundTripWhileWriting(Socket s, byte[] payload) throws Exception {
        ExecutorService writer = Executors.newSingleThreadExecutor();
        try {
            Future<?> w = writer.submit(() -> {
                s.getOutputStream().write(payload);
                s.getOutputStream().flush();
                return null;
            });
            byte[] back = readExactly(s.getInputStream(), payload.length);
            w.get(30, TimeUnit.SECONDS);
            return back;
        } finally {
            writer.shutdownNow();
        }
    }

    public static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        int off = 0;
        while (off < n) {
            int r = in.read(b, off, n - off);
            if (r < 0) {
                throw new EOFException("EOF after " + off + " of " + n + " bytes");
            }
            off += r;
        }
        return b;
    }

    /** Sends {@code payload}, reads the same number of bytes back. */
    public static byte[] roundTrip(Socket s, byte[] payload) throws IOException {
        s.getOutputStream().write(payload);
        s.getOutputStream().flush();
        return readExactly(s.getInputStream(), payload.length);
    }

    /**
     * Writes {@code bytes}, unless the server has reset the connection already (a refusal at accept can beat the
     * client's first write): then returns false. Any other failure is thrown.
     */
    public static boolean writeUnlessReset(Socket s, byte[] bytes) throws IOException {
        try {
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return true;
        } catch (SocketException e) {
            if (!String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                throw e;
            }
            return false;
        }
    }

    /**
     * What the server did to a connection it refused, as the client sees it on its next read: "reset" (RST),
     * "eof" (FIN), or "open" (the read timed out: the server did not close it).
     */
    public static String refusal(Socket s, int timeoutMillis) throws IOException {
        s.setSoTimeout(timeoutMillis);
        try {
            int r = s.getInputStream().read();
            return r < 0 ? "eof" : "data";
        } catch (java.net.SocketTimeoutException e) {
            return "open";
        } catch (java.net.SocketException e) {
            String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
            return m.contains("reset") ? "reset" : "error: " + e.getMessage();
        }
    }
}
