package dev.echoport.udp;

import dev.echoport.admission.Addresses;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Sources a UDP echo never answers, because the answer would go to a service rather than a client: the classic
 * echo-to-echo (or echo-to-chargen) loop, where one forged datagram from one echo service's port to another makes
 * them answer each other forever (BSD inetd refuses these for its built-in services: NetBSD's {@code port_good_dg},
 * FreeBSD's {@code check_loop}). Refused are:
 * <ul>
 *   <li>source port 0 (no socket sends from it) and every port below 1024: those are services (echo 7, discard 9,
 *       daytime 13, qotd 17, chargen 19, time 37, DNS 53, NTP 123, SNMP 161, ...), while clients send from ephemeral
 *       ports (Linux 32768-60999, Windows and IANA 49152-65535);</li>
 *   <li>our own UDP port: another echoport (or any echo) on the same port would answer our answer;</li>
 *   <li>the ports above 1023 of services that answer any datagram: SSDP 1900, WS-Discovery 3702, mDNS 5353,
 *       CoAP 5683, memcached 11211;</li>
 *   <li>addresses no datagram can truly come from: unspecified (0.0.0.0, ::), IPv4 limited broadcast, multicast.</li>
 * </ul>
 */
final class UnsafeSources {
    private static final int[] ANSWERING_SERVICE_PORTS = {1900, 3702, 5353, 5683, 11211};

    private UnsafeSources() {
    }

    /** True if a reply to {@code source} must not be sent; {@code ownPort} is the listener's port (-1: unknown). */
    static boolean refused(InetSocketAddress source, int ownPort) {
        int port = source.getPort();
        if (port < 1024 || port == ownPort) {
            return true;
        }
        for (int p : ANSWERING_SERVICE_PORTS) {
            if (port == p) {
                return true;
            }
        }
        InetAddress a = source.getAddress() == null ? null : Addresses.canonical(source.getAddress());
        return a == null || a.isAnyLocalAddress() || a.isMulticastAddress() || isLimitedBroadcast(a);
    }

    private static boolean isLimitedBroadcast(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[0] & b[1] & b[2] & b[3]) == (byte) 0xff;
    }
}
