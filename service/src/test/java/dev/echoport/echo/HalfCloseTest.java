package dev.echoport.echo;

import dev.echoport.testsupport.Clients;
import dev.echoport.testsupport.RunningServer;
import dev.echoport.testsupport.TestSettings;
import dev.echoport.transport.Transport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;

import static dev.echoport.testsupport.Transports.assumeAvailable;
import static org.assertj.core.api.Assertions.assertThat;

/** After the client shuts its output down, everything it sent still comes back, then the server closes. */
class HalfCloseTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void pending_echo_is_delivered_after_the_client_shuts_down_output(Transport transport) throws Exception {
        assumeAvailable(transport);
        byte[] payload = Clients.randomBytes(256 * 1024, 7);
        try (RunningServer rs = RunningServer.start(TestSettings.of(transport));
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
            assertThat(RunningServer.await(() -> rs.server().counts().active() == 0, 5000)).isTrue();
            // The slot is released by the close future, the close counted by the pipeline's channelInactive: either
            // may come first, so wait for the count rather than read it once.
            assertThat(RunningServer.await(
                    () -> rs.counter("echoport.connections.closed", "cause", "client") == 1.0, 5000))
                    .as("closed{cause=client} = 1").isTrue();
            assertThat(rs.counter("echoport.connections.closed", "cause", "client")).isEqualTo(1.0);
        }
    }
}
