package dev.echoport.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * For {@code proxy-protocol = optional}: looks at a connection's first bytes. If they start a PROXY header (v1
 * {@code "PROXY "} or the v2 signature) it hands over to Netty's {@link HAProxyMessageDecoder}; as soon as they cannot
 * be one, it leaves the pipeline and the bytes flow on as data, after a {@link #NO_HEADER} event. Decided on the
 * first byte that differs, so a short message that is not a header is never held back.
 */
public final class ProxyProtocolDetector extends ByteToMessageDecoder {
    /** Fired when the connection turned out to carry no header. */
    public static final Object NO_HEADER = new Object() {
        @Override
        public String toString() {
            return "PROXY protocol: no header";
        }
    };

    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final String decoderName;

    /** @param decoderName the name the {@link HAProxyMessageDecoder} takes in the pipeline */
    public ProxyProtocolDetector(String decoderName) {
        this.decoderName = decoderName;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = in.readableBytes();
        boolean v1 = prefixMatches(in, V1);
        boolean v2 = prefixMatches(in, V2);
        if ((v1 && n >= V1.length) || (v2 && n >= V2.length)) {
            ctx.pipeline().replace(this, decoderName, new HAProxyMessageDecoder()); // takes the bytes read so far
        } else if (!v1 && !v2) {
            giveUp(ctx);
        }
        // else: still a possible header prefix; wait for more bytes
    }

    /** Decides "no header": data follows. Also called when the header timeout passes in optional mode. */
    public void giveUp(ChannelHandlerContext ctx) {
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
}
