package dev.echoport.server;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * OIO serves each connection with a thread of its own: {@code io-threads} caps connections, and a slot is free only
 * when its thread is, so no burst of short connections can lose one. (OIO only: the other transports have no thread
 * per connection.)
 */
class OioThreadCapTest {
    private static final Logger log = LoggerFactory.getLogger(OioThreadCapTest.class);
    static final int THREADS = 16;
    static final int CONNECTIONS = 20_000;

    @Test
    void the_connection_beyond_the_oio_threads_is_refused_and_no_slot_leaks() throws Exception {
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(Transport.OIO, "io-threads = 2"))) {
            assertThat(rs.server().rules().maxConnections()).isEqualTo(2);
            try (Socket a = Clients.connect(rs.address());
                 Socket b = Clients.connect(rs.address());
                 Socket c = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(a, new byte[]{1})).containsExactly(1);
                assertThat(Clients.roundTrip(b, new byte[]{2})).containsExactly(2);
                assertThat(Clients.refusal(c, 5000)).isEqualTo("reset");
            }
            Await.until("every admitted connection released its slot", () -> rs.server().counts().active() == 0);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(2.0);
            assertThat(rs.counter("echoport.connections.rejected", "reason", "max_connections")).isEqualTo(1.0);
            try (Socket d = Clients.connect(rs.address())) {
                assertThat(Clients.roundTrip(d, new byte[]{4})).containsExactly(4);
            }
        }
    }

    @Test
    void after_twenty_thousand_short_connections_every_slot_serves_again() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(Transport.OIO, "io-threads = 4"))) {
            List<Future<long[]>> loops = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                byte b = (byte) t;
                loops.add(pool.submit(() -> {
                    long echoed = 0;
                    long refused = 0;
                    for (int i = 0; i < CONNECTIONS / THREADS; i++) {
                        try (Socket s = Clients.connect(rs.address())) {
                            s.setSoLinger(true, 0); // no TIME_WAIT pile-up on the client side
                            Clients.roundTrip(s, new byte[]{b});
                            echoed++;
                        } catch (IOException refusedAtTheCap) {
                            refused++;
                        }
                    }
                    return new long[]{echoed, refused};
                }));
            }
            long echoed = 0;
            long refused = 0;
            for (Future<long[]> f : loops) {
                long[] r = f.get(5, TimeUnit.MINUTES);
                echoed += r[0];
                refused += r[1];
            }
            Await.until("the active gauge back to 0", () -> rs.server().counts().active() == 0);
            log.info("FIGURE oio-slots: {} connections from {} threads at io-threads 4: {} echoed, {} refused; "
                    + "active afterwards {}", CONNECTIONS, THREADS, echoed, refused, rs.server().counts().active());
            assertThat(echoed + refused).isEqualTo(CONNECTIONS);
            assertThat(rs.counter("echoport.connections.accepted")).isEqualTo(echoed);
            List<Socket> four = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    four.add(Clients.connect(rs.address()));
                }
                for (int i = 0; i < 4; i++) {
                    assertThat(Clients.roundTrip(four.get(i), new byte[]{(byte) i})).as("slot %d serves", i)
                            .containsExactly(i);
                }
                try (Socket fifth = Clients.connect(rs.address())) {
                    assertThat(Clients.refusal(fifth, 5000)).as("the fifth, with all four slots busy")
                            .isEqualTo("reset");
                }
            } finally {
                for (Socket s : four) {
                    s.close();
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
