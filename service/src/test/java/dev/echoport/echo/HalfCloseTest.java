package dev.echoport.echo;

import dev.echoport.testsupport.Await;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningEchoport;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;

/** After the client shuts its output down, everything it sent still comes back, then the server closes. */
class HalfCloseTest {

    @EveryTransport
    void pending_echo_is_delivered_after_the_client_shuts_down_output(Transport transport) throws Exception {
        byte[] payload = Clients.randomBytes(256 * 1024, 7);
        try (RunningEchoport rs = RunningEchoport.start(TestSettings.of(transport));
             Socket s = Clients.connect(rs.address())) {
            Thread writer = new Thread(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16384];
            for (int n; (n = in.read(buf)) >= 0; ) { // reads until the server's FIN
                got.write(buf, 0, n);
            }
            writer.join(10_000);
            assertThat(got.toByteArray()).as("everything sent before the half-close came back").isEqualTo(payload);
            Await.until("no connection active", () -> rs.server().counts().active() == 0);
            // The slot is released by the close future, the close counted by the pipeline's channelInactive: either
            // may come first, so wait for the count rather than read it once.
            Await.until("closed{cause=client} = 1",
                    () -> rs.counter("echoport.connections.closed", "cause", "client") == 1.0);
            assertThat(rs.counter("echoport.connections.closed", "cause", "client")).isEqualTo(1.0);
        }
    }
}
