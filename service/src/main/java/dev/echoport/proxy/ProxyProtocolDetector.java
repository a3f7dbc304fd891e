package dev.echoport.proxy;

import dev.echoport.admission.RejectReason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The first handler of a connection on a PROXY protocol listener: looks at the first bytes, at most the 16 of a v2
 * header's fixed part, before anything is parsed or buffered further.
 * <ul>
 *   <li>They cannot start a header: in optional mode the connection is a direct client ({@link #NO_HEADER}, and the
 *       bytes flow on as data); in required mode it is refused ({@code proxy_header}).</li>
 *   <li>A complete signature ({@code "PROXY "} or the 12-byte v2 signature) from a peer outside
 *       {@code trusted-proxies} is refused ({@code untrusted_proxy}): an untrusted peer gets no more than its
 *       signature read.</li>
 *   <li>A v2 header announcing more than {@code proxy-protocol-max-header-size} is refused ({@code proxy_header})
 *       before a byte of it is buffered.</li>
 *   <li>Otherwise Netty's {@link HAProxyMessageDecoder} takes over (a v1 line is at most 107 bytes by the spec).</li>
 * </ul>
 * Decided on the first byte that differs from a signature, so a short message that is not a header is never held
 * back. Refusals reach the next handler as a {@link Refused} exception.
 */
public final class ProxyProtocolDetector extends ByteToMessageDecoder {
    /** Fired when the connection turned out to carry no header (optional mode). */
    public static final Object NO_HEADER = new Object() {
        @Override
        public String toString() {
            return "PROXY protocol: no header";
        }
    };

    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int V2_FIXED = 16;
    /** HAProxyMessageDecoder's smallest v2 limit: 16 fixed bytes and the 216 of a UNIX address block. */
    private static final int V2_MIN_LIMIT = 16 + 216;

    private final ProxyProtocol proxy;
    private final String decoderName;

    /** @param decoderName the name the {@link HAProxyMessageDecoder} takes in the pipeline */
    ProxyProtocolDetector(ProxyProtocol proxy, String decoderName) {
        this.proxy = proxy;
        this.decoderName = decoderName;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = in.readableBytes();
        boolean v1 = prefixMatches(in, V1);
        boolean v2 = prefixMatches(in, V2);
        if (!v1 && !v2) {
            if (!proxy.settings().required()) {
                giveUp(ctx);
                return;
            }
            throw new Refused(RejectReason.PROXY_HEADER, "no PROXY protocol header");
        }
        if ((v1 && n < V1.length) || (v2 && n < V2.length)) {
            return; // still a possible signature: wait for more bytes
        }
        if (!proxy.settings().trusts((InetSocketAddress) ctx.channel().remoteAddress())) {
            throw new Refused(RejectReason.UNTRUSTED_PROXY, "PROXY protocol header from an untrusted peer");
        }
        if (v2) {
            if (n < V2_FIXED) {
                return;
            }
            int length = V2_FIXED + in.getUnsignedShort(in.readerIndex() + 14);
            int limit = proxy.settings().maxHeaderSize();
            if (length > limit) {
                throw new Refused(RejectReason.PROXY_HEADER, "v2 header of " + length + " bytes, over the limit "
                        + limit + " (proxy-protocol-max-header-size)");
            }
        }
        int maxTlv = Math.max(0, proxy.settings().maxHeaderSize() - V2_MIN_LIMIT);
        ctx.pipeline().replace(this, decoderName, new HAProxyMessageDecoder(maxTlv)); // takes the bytes read so far
    }

    /** Decides "no header": data follows. Also called when the header timeout passes in optional mode. */
    void giveUp(ChannelHandlerContext ctx) {
        if (ctx.isRemoved()) {
            return;
        }
        ctx.fireUserEventTriggered(NO_HEADER);
        ctx.pipeline().remove(this); // the bytes held so far go on to the next handler
    }

    private static boolean prefixMatches(ByteBuf in, byte[] prefix) {
        int n = Math.min(in.readableBytes(), prefix.length);
        int at = in.readerIndex();
        for (int i = 0; i < n; i++) {
            if (in.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /** The connection is refused before its header was parsed, for {@link #reason()}. */
    static final class Refused extends RuntimeException {
        private final RejectReason reason;

        Refused(RejectReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        RejectReason reason() {
            return reason;
        }
    }
}
