package dev.echoport.proxy;

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
final class ProxyHeaders {
    private ProxyHeaders() {
    }

    static byte[] v1(String client, int clientPort, int serverPort) {
        return ("PROXY TCP4 " + client + " 127.0.0.1 " + clientPort + " " + serverPort + "\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] v2(String client, int clientPort, int serverPort) {
        return encode(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, client, "127.0.0.1", clientPort, serverPort));
    }

    /** A v2 LOCAL header: the proxy's own health check, no client behind it. */
    static byte[] v2Local() {
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

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
