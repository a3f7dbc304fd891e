package dev.echoport.udp;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Which sources are never answered, because the answer would reach a service (a loop) or many hosts. */
class UnsafeSourcesTest {
    private static final int OWN_PORT = 7007;

    @ParameterizedTest(name = "{0}:{1} refused: {2}")
    @CsvSource({
            "192.0.2.1, 0, true", "192.0.2.1, 7, true", "192.0.2.1, 9, true", "192.0.2.1, 13, true",
            "192.0.2.1, 17, true", "192.0.2.1, 19, true", "192.0.2.1, 37, true", "192.0.2.1, 53, true",
            "192.0.2.1, 123, true", "192.0.2.1, 161, true", "192.0.2.1, 1023, true",
            "192.0.2.1, 1900, true", "192.0.2.1, 3702, true", "192.0.2.1, 5353, true", "192.0.2.1, 5683, true",
            "192.0.2.1, 11211, true", "192.0.2.1, 7007, true", "2001:db8::1, 7007, true",
            "0.0.0.0, 40000, true", "255.255.255.255, 40000, true", "224.0.0.1, 40000, true",
            "239.255.255.250, 40000, true", "::, 40000, true", "ff02::1, 40000, true",
            "192.0.2.1, 1024, false", "192.0.2.1, 7008, false", "192.0.2.1, 32768, false",
            "192.0.2.1, 65535, false", "192.0.2.255, 40000, false", "127.0.0.1, 50000, false",
            "2001:db8::1, 49152, false", "::1, 60999, false"})
    void services_our_port_and_group_addresses_are_never_answered(String address, int port, boolean refused)
            throws Exception {
        InetSocketAddress source = new InetSocketAddress(InetAddress.getByName(address), port);
        assertThat(UnsafeSources.refused(source, OWN_PORT)).isEqualTo(refused);
    }
}
