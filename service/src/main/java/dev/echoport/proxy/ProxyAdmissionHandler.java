package dev.echoport.proxy;

import dev.echoport.admission.Admission;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.RejectReason;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.echo.PipelineNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Admission after the PROXY header: waits for the header (or, in optional mode, the sign that there is none), then
 * puts the client it names to {@link Admission}. Admitted: the echo handlers are added behind it and it leaves.
 * Refused: the connection is closed (RST with {@code reject-action = reset}) before a byte is echoed.
 * {@code proxy-protocol-timeout} bounds the wait; in optional mode a connection silent that long is a direct client.
 */
final class ProxyAdmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyAdmissionHandler.class);

    private final ProxyProtocol proxy;
    private final Admission admission;
    private final Consumer<Channel> addEchoHandlers;
    private ScheduledFuture<?> timeout;
    private boolean decided;

    ProxyAdmissionHandler(ProxyProtocol proxy, Admission admission, Consumer<Channel> addEchoHandlers) {
        this.proxy = proxy;
        this.admission = admission;
        this.addEchoHandlers = addEchoHandlers;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (admission.rules().rejectAction() == AdmissionRules.RejectAction.RESET) {
            // Until admitted, any close is a refusal and sends RST, the decoder's own close of a bad header included.
            setLinger(ctx, 0);
        }
        timeout = ctx.executor().schedule(() -> onTimeout(ctx), proxy.settings().timeout().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided || !(msg instanceof HAProxyMessage header)) {
            ReferenceCountUtil.release(msg); // refused: whatever the decoders still hand over is dropped
            return;
        }
        try {
            onHeader(ctx, header);
        } finally {
            header.release();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ProxyProtocolDetector.NO_HEADER && !decided) {
            admit(ctx, (InetSocketAddress) ctx.channel().remoteAddress(), false);
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (decided) {
            return; // refused and closing: what the decoders still report adds nothing
        }
        RejectReason reason = RejectReason.PROXY_HEADER;
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ProxyProtocolDetector.Refused r) {
                reason = r.reason();
                break;
            }
        }
        log.debug("PROXY protocol from {} refused ({}): {}", ctx.channel().remoteAddress(), reason.label(),
                cause.toString());
        refuse(ctx, reason);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        decided = true;
        ctx.fireChannelInactive();
    }

    private void onHeader(ChannelHandlerContext ctx, HAProxyMessage header) {
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (header.command() == HAProxyCommand.LOCAL || header.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN
                || header.sourceAddress() == null
                || header.proxiedProtocol().addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_UNIX) {
            admit(ctx, peer, false); // the proxy speaking for itself (health check): its own address counts
            return;
        }
        InetSocketAddress client;
        try {
            client = new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(header.sourceAddress()),
                    header.sourcePort());
        } catch (RuntimeException e) {
            refuse(ctx, RejectReason.PROXY_HEADER);
            return;
        }
        admit(ctx, client, true);
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        if (decided || ctx.isRemoved()) {
            return;
        }
        if (!proxy.settings().required() && ctx.pipeline().get(PipelineNames.PROXY_DETECTOR) instanceof
                ProxyProtocolDetector d) {
            d.giveUp(ctx.pipeline().context(d)); // optional mode and a silent client: a direct client after all
            return;
        }
        refuse(ctx, RejectReason.PROXY_HEADER);
    }

    private void admit(ChannelHandlerContext ctx, InetSocketAddress client, boolean proxied) {
        decided = true;
        cancelTimeout();
        Channel ch = ctx.channel();
        if (!admission.admitClient(ch, client)) {
            return; // refused and closing
        }
        if (admission.rules().rejectAction() == AdmissionRules.RejectAction.RESET) {
            setLinger(ctx, -1); // admitted: an orderly close again
        }
        if (proxied) {
            ch.attr(ConnectionLifecycleHandler.CLIENT_ADDRESS).set(client);
        }
        addEchoHandlers.accept(ch);
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, RejectReason reason) {
        decided = true;
        cancelTimeout();
        admission.reject(ctx.channel(), reason);
    }

    private static void setLinger(ChannelHandlerContext ctx, int seconds) {
        try {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, seconds);
        } catch (RuntimeException e) {
            log.debug("could not set SO_LINGER {} on {}: {}", seconds, ctx.channel(), e.toString());
        }
    }

    private void cancelTimeout() {
        if (timeout != null) {
            timeout.cancel(false);
            timeout = null;
        }
    }
}
