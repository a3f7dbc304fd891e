package dev.echoport.admission;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One form for each client address, so that a rule or a count meets an IPv4 client as IPv4 however it arrived: a
 * dual-stack listener ({@code host = "::"}) or a PROXY protocol header can name it as an IPv4-mapped IPv6 address
 * ({@code ::ffff:192.0.2.9}), which IPv4 CIDR blocks would otherwise never match and the per-IP limit would count
 * apart from the same client's plain IPv4 connections.
 */
public final class Addresses {
    private Addresses() {
    }

    public static InetAddress canonical(InetAddress a) {
        if (a instanceof Inet6Address) {
            byte[] b = a.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; mapped && i < 10; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(new byte[]{b[12], b[13], b[14], b[15]});
                } catch (UnknownHostException impossible) { // four bytes are always an IPv4 address
                    throw new IllegalStateException(impossible);
                }
            }
        }
        return a;
    }

    public static InetSocketAddress canonical(InetSocketAddress a) {
        InetAddress c = canonical(a.getAddress());
        return c == a.getAddress() ? a : new InetSocketAddress(c, a.getPort());
    }
}
