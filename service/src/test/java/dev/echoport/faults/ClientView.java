package dev.echoport.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a client saw of a faulty echo: every byte, when each read returned (from a start the client chose, before it
 * sent anything), and how the stream ended: {@code eof} (FIN), {@code reset} (RST) or {@code open} (still open when
 * the client stopped waiting).
 */
record ClientView(byte[] bytes, List<long[]> reads, String ending) {

    /** Reads until EOF, reset, {@code expected} bytes (then {@code open}) or the socket's timeout. */
    static ClientView read(Socket s, long startNanos, long expected) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        List<long[]> reads = new ArrayList<>();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[65536];
        try {
            while (got.size() < expected) {
                int n = in.read(buf);
                if (n < 0) {
                    return new ClientView(got.toByteArray(), reads, "eof");
                }
                got.write(buf, 0, n);
                reads.add(new long[]{System.nanoTime() - startNanos, got.size()});
            }
            return new ClientView(got.toByteArray(), reads, "open");
        } catch (SocketTimeoutException e) {
            return new ClientView(got.toByteArray(), reads, "open");
        } catch (SocketException e) {
            if (String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("reset")) {
                return new ClientView(got.toByteArray(), reads, "reset");
            }
            throw e;
        }
    }

    /** Writes {@code payload} on a thread of its own (a peer that ends the connection may make it fail: ignored). */
    static Thread writeInBackground(Socket s, byte[] payload) {
        Thread t = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                out.write(payload);
                out.flush();
            } catch (IOException endedByTheServer) {
                // the fault under test may end the connection while we write
            }
        }, "fault-test-writer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Milliseconds from the start until the last byte arrived. */
    double lastByteMillis() {
        return reads.isEmpty() ? Double.NaN : reads.get(reads.size() - 1)[0] / 1e6;
    }
}
