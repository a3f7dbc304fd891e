package dev.echoport.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.nio.charset.StandardCharsets;

/** PROXY protocol headers as a load balancer sends them, encoded by Netty's own encoder (v2) or by hand (v1). */
public final class ProxyHeaders {
    private ProxyHeaders() {
    }

    public static byte[] v1(String client, int clientPort, int serverPort) {
        return ("PROXY TCP4 " + client + " 127.0.0.1 " + clientPort + " " + serverPort + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    public static byte[] v2(String client, int clientPort, int serverPort) {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, client, "127.0.0.1", clientPort, serverPort));
    }

    /** The 12-byte v2 signature. */
    public static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /**
     * The 16-byte fixed part of a v2 PROXY/TCP4 header announcing {@code length} bytes of address and TLVs after it:
     * what a client that means to send a header of {@code 16 + length} bytes sends first.
     */
    public static byte[] v2FixedPart(int length) {
        byte[] b = java.util.Arrays.copyOf(V2_SIGNATURE, 16);
        b[12] = 0x21; // version 2, PROXY
        b[13] = 0x11; // TCP over IPv4
        b[14] = (byte) (length >>> 8);
        b[15] = (byte) length;
        return b;
    }

    /** A v2 header carrying one TLV of {@code tlvBytes} bytes of value (a vendor-specific type, 0xE0). */
    public static byte[] v2WithTlv(String client, int clientPort, int serverPort, int tlvBytes) {
        io.netty.handler.codec.haproxy.HAProxyTLV tlv = new io.netty.handler.codec.haproxy.HAProxyTLV((byte) 0xE0,
                io.netty.buffer.Unpooled.wrappedBuffer(new byte[tlvBytes]));
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, client, "127.0.0.1", clientPort, serverPort, java.util.List.of(tlv)));
    }

    /** A v2 PROXY header for a TCP-over-IPv6 client (an IPv4-mapped address is allowed, as proxies send them). */
    public static byte[] v2Tcp6(String client, int clientPort, String server, int serverPort) {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP6, client, server, clientPort, serverPort));
    }

    /** A v2 LOCAL header: the proxy's own health check, no client behind it. */
    public static byte[] v2Local() {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
    }

    private static byte[] encode(HAProxyMessage message) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        try {
            ch.writeOutbound(message);
            ByteBuf out = ch.readOutbound();
            try {
                return ByteBufUtil.getBytes(out);
            } finally {
                out.release();
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
