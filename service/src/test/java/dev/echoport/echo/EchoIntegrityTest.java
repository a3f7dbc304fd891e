package dev.echoport.echo;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every byte comes back in order and unchanged, whatever the size, the pipelining and the concurrency. */
class EchoIntegrityTest {

    @EveryTransport
    void messages_from_1_byte_to_4_MiB_come_back_unchanged(Transport transport) throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport));
             Socket s = Clients.connect(rs.address())) {
            long total = 0;
            for (int size : new int[]{1, 1024, 64 * 1024, 4 * 1024 * 1024}) {
                byte[] payload = Clients.randomBytes(size, size);
                byte[] echoed = Clients.roundTripWhileWriting(s, payload);
                assertThat(echoed).as("%d-byte message over %s", size, transport).isEqualTo(payload);
                total += size;
            }
            long expected = total;
            Await.until("bytes_sent counts exactly what was echoed",
                    () -> rs.counter("echoport.bytes.sent") == expected);
            assertThat(rs.counter("echoport.bytes.received")).isEqualTo((double) total);
        }
    }

    @EveryTransport
    void one_hundred_concurrent_pipelined_connections_each_get_their_own_bytes_back(Transport transport)
            throws Exception {
        int connections = 100;
        int messages = 20;
        int size = 1000;
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport))) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                long seed = c;
                results.add(pool.submit(() -> {
                    try (Socket s = Clients.connect(rs.address())) {
                        // pipelined: every message is written before any echo is read
                        byte[] all = Clients.randomBytes(messages * size, seed);
                        OutputStream out = s.getOutputStream();
                        for (int m = 0; m < messages; m++) {
                            out.write(all, m * size, size);
                        }
                        out.flush();
                        byte[] back = new byte[all.length];
                        new DataInputStream(s.getInputStream()).readFully(back);
                        return java.util.Arrays.equals(all, back);
                    }
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).as("a connection's echo matched what it sent").isTrue();
            }
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo((double) connections);
        } finally {
            pool.shutdownNow();
        }
    }
}
