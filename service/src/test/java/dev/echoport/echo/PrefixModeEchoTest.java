package dev.echoport.echo;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prefix mode over real loopback sockets on every transport: Istio tcp-echo's {@code <prefix> <line>} for pipelined and
 * partial lines, the last line answered at half-close, a too-long line closing with cause {@code line_too_long}, and a
 * client that pipelines empty lines without reading (each reply 4x its line) held to the same memory bound as exact
 * echo.
 */
class PrefixModeEchoTest {
    /** Queued echo per connection: high watermark + one reply chunk (the size of one read) + Netty's bookkeeping. */
    static final long BOUND = 64 * 1024 + LineEchoHandler.CHUNK + 1024;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String readToEof(Socket s) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[16384];
        for (int n; (n = in.read(buf)) >= 0; ) {
            got.write(buf, 0, n);
        }
        return got.toString(StandardCharsets.US_ASCII);
    }

    @EveryTransport
    void pipelined_lines_and_a_last_line_without_newline_are_each_answered_with_the_prefix(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "echo.prefix = v1"));
             Socket s = Clients.connect(rs.address())) {
            OutputStream out = s.getOutputStream();
            out.write(ascii("hello\nworld\n\n\r\nlast line"));
            s.shutdownOutput();
            assertThat(readToEof(s)).isEqualTo("v1 hello\nv1 world\nv1 \nv1 \r\nv1 last line");
            Await.until("closed{cause=client} = 1",
                    () -> rs.counter("echoport.connections.closed", "cause", "client") == 1.0);
            assertThat(rs.counter("echoport.bytes.received")).isEqualTo(24.0);
            Await.until("bytes sent = 24 + 5 prefixes of 3 B",
                    () -> rs.counter("echoport.bytes.sent") == 24.0 + 15);
        }
    }

    @EveryTransport
    void a_line_sent_in_pieces_is_answered_as_its_pieces_arrive_with_one_prefix(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "echo.prefix = \"pod-a\""));
             Socket s = Clients.connect(rs.address())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(ascii("hel"));
            assertThat(new String(Clients.readExactly(in, 9), StandardCharsets.US_ASCII)).isEqualTo("pod-a hel");
            out.write(ascii("lo\nwor"));
            assertThat(new String(Clients.readExactly(in, 12), StandardCharsets.US_ASCII))
                    .isEqualTo("lo\npod-a wor");
            out.write(ascii("ld\n"));
            assertThat(new String(Clients.readExactly(in, 3), StandardCharsets.US_ASCII)).isEqualTo("ld\n");
        }
    }

    @EveryTransport
    void a_line_longer_than_the_maximum_closes_the_connection_with_its_own_cause(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "echo.prefix = v1",
                "echo.max-line-length = 1KiB"));
             Socket s = Clients.connect(rs.address())) {
            byte[] ok = new byte[1024];
            Arrays.fill(ok, (byte) 'a');
            byte[] tooLong = new byte[3000];
            Arrays.fill(tooLong, (byte) 'b');
            OutputStream out = s.getOutputStream();
            out.write(ok);
            out.write('\n');
            out.write(tooLong);
            out.write(ascii("\nnever answered\n"));
            String got = readToEof(s); // the server closes
            assertThat(got).isEqualTo("v1 " + "a".repeat(1024) + "\nv1 " + "b".repeat(1024));
            Await.until("closed{cause=line_too_long} = 1",
                    () -> rs.counter("echoport.connections.closed", "cause", "line_too_long") == 1.0);
            assertThat(rs.counter("echoport.connections.closed", "cause", "client")).isZero();
        }
    }

    @EveryTransport
    void a_client_pipelining_empty_lines_without_reading_cannot_grow_server_memory(Transport transport)
            throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport, "echo.prefix = v1"));
             Socket s = Clients.connect(rs.address())) {
            s.setSoTimeout(60_000);
            AtomicLong written = new AtomicLong();
            AtomicReference<Throwable> writeError = new AtomicReference<>();
            long total = 32L << 20; // far more than the kernel buffers hold: the writer must stall
            Thread writer = new Thread(() -> {
                byte[] lines = new byte[64 * 1024];
                Arrays.fill(lines, (byte) '\n');
                try {
                    OutputStream out = s.getOutputStream();
                    for (long off = 0; off < total; off += lines.length) {
                        out.write(lines);
                        written.addAndGet(lines.length);
                    }
                    s.shutdownOutput();
                } catch (Throwable t) {
                    writeError.set(t);
                }
            }, "empty-line-writer");
            writer.start();

            long stalledAt = Await.stalled("the server to stop reading and the writer to stall",
                    Duration.ofSeconds(60), written::get, () -> (long) rs.counter("echoport.bytes.received"));
            long pending = rs.server().pendingEchoBytes();
            long bound = BOUND; // replies are chunked: an oio read larger than 64 KiB waits here unanswered
            System.out.printf("FIGURE prefix-mode %s: writer stalled after %,d B; server queued echo %,d B"
                    + " (bound %,d)%n", transport.configName(), stalledAt, pending, bound);
            assertThat(stalledAt).as("the writer blocked: the server stopped reading").isLessThan(total);
            assertThat(pending).as("queued echo for the non-reading client").isLessThanOrEqualTo(bound);
            assertThat(rs.counter("echoport.backpressure.pauses")).as("reading paused").isPositive();

            // Now read: every line is answered, in full, and then the server closes after the half-close.
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != "v1 \n".charAt((int) ((read + i) % 4))) {
                        throw new AssertionError("reply differs at byte " + (read + i));
                    }
                }
                read += n;
            }
            writer.join(30_000);
            assertThat(writeError.get()).isNull();
            assertThat(read).as("4 bytes of reply per empty line").isEqualTo(4 * total);
        }
    }
}
