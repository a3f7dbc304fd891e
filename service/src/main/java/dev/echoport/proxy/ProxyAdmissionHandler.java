package dev.echoport.proxy;

import dev.echoport.admission.AdmissionPolicy;
import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.ConnectionTracker;
import dev.echoport.admission.Decision;
import dev.echoport.admission.RejectReason;
import dev.echoport.admission.Verdict;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.echo.ConnectionLifecycleHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Admission for connections behind a load balancer: waits for the PROXY header (or, in optional mode, for the sign
 * that there is none), then asks the same tracker and policy as the listener would, with the client address from the
 * header. Admitted: the echo handlers are added behind it and it leaves. Refused: the connection is closed (RST with
 * {@code reject-action = reset}) before a byte is echoed, and nothing after the header is read.
 *
 * <p>A connection waiting for its header holds no admission slot; {@code proxy-protocol-timeout} bounds the wait.
 * {@code over-limit = defer} cannot hold a registered connection here, so DEFER counts as {@code max_connections}.
 */
public final class ProxyAdmissionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ProxyAdmissionHandler.class);

    /** What admission needs from the server: one instance shared by all connections of a listener. */
    public record Context(ProtocolSettings.Proxy proxy, ConnectionTracker tracker, AdmissionPolicy policy,
                          Supplier<AdmissionRules> rules, Runnable onAccepted, Consumer<RejectReason> onRejected) {
    }

    private final Context c;
    private final Consumer<Channel> addEchoHandlers;
    private final String detectorName;
    private ScheduledFuture<?> timeout;
    private boolean decided;

    /**
     * @param addEchoHandlers adds the handlers of an admitted connection behind this one
     * @param detectorName    the {@link ProxyProtocolDetector}'s name in optional mode, else {@code null}
     */
    public ProxyAdmissionHandler(Context context, Consumer<Channel> addEchoHandlers, String detectorName) {
        this.c = context;
        this.addEchoHandlers = addEchoHandlers;
        this.detectorName = detectorName;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (c.rules().get().rejectAction() == AdmissionRules.RejectAction.RESET) {
            // Until admitted, any close is a refusal and sends RST, including the decoder's own close of a bad header.
            setLinger(ctx, 0);
        }
        timeout = ctx.executor().schedule(() -> onTimeout(ctx), c.proxy().timeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (c.proxy().mode() == ProtocolSettings.ProxyMode.REQUIRED && (peer == null || !c.proxy().trusts(peer))) {
            reject(ctx, RejectReason.UNTRUSTED_PROXY); // required: nobody but a trusted proxy may connect at all
            return;
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) { // refused: whatever the decoders still hand over is dropped
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HAProxyMessage header) {
            try {
                onHeader(ctx, header);
            } finally {
                header.release();
            }
        } else {
            // optional mode, no header: the detector fired NO_HEADER first, so we only get here if that admitted us
            ReferenceCountUtil.release(msg);
            log.debug("data before a PROXY decision on {}", ctx.channel());
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
        if (!decided) {
            log.debug("invalid PROXY header from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            reject(ctx, RejectReason.PROXY_HEADER);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancelTimeout();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelTimeout();
        decided = true;
    }

    private void onHeader(ChannelHandlerContext ctx, HAProxyMessage header) {
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (peer == null || !c.proxy().trusts(peer)) {
            reject(ctx, RejectReason.UNTRUSTED_PROXY);
            return;
        }
        if (header.command() == HAProxyCommand.LOCAL || header.proxiedProtocol() == HAProxyProxiedProtocol.UNKNOWN
                || header.sourceAddress() == null
                || header.proxiedProtocol().addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_UNIX) {
            admit(ctx, peer, false); // the proxy speaking for itself (health check): its own address counts
            return;
        }
        InetSocketAddress client;
        try {
            client = new InetSocketAddress(io.netty.util.NetUtil.createInetAddressFromIpAddressString(
                    header.sourceAddress()), header.sourcePort());
        } catch (RuntimeException e) {
            reject(ctx, RejectReason.PROXY_HEADER);
            return;
        }
        admit(ctx, client, true);
    }

    private void onTimeout(ChannelHandlerContext ctx) {
        if (decided || ctx.isRemoved()) {
            return;
        }
        if (detectorName != null && ctx.pipeline().get(detectorName) instanceof ProxyProtocolDetector d) {
            d.giveUp(ctx.pipeline().context(d)); // optional mode and a silent client: a direct client after all
            return;
        }
        reject(ctx, RejectReason.PROXY_HEADER);
    }

    private void admit(ChannelHandlerContext ctx, InetSocketAddress client, boolean proxied) {
        decided = true;
        cancelTimeout();
        Channel ch = ctx.channel();
        Decision d = c.tracker().admit(client, (InetSocketAddress) ch.localAddress(), c.policy());
        if (d.verdict() != Verdict.ACCEPT) {
            reject(ctx, d.verdict() == Verdict.DEFER ? RejectReason.MAX_CONNECTIONS : d.reason());
            return;
        }
        ch.closeFuture().addListener(f -> c.tracker().release(client.getAddress()));
        if (c.rules().get().rejectAction() == AdmissionRules.RejectAction.RESET) {
            setLinger(ctx, -1); // admitted: an orderly close again
        }
        if (proxied) {
            ch.attr(ConnectionLifecycleHandler.CLIENT_ADDRESS).set(client);
        }
        c.onAccepted().run();
        addEchoHandlers.accept(ch);
        ctx.pipeline().remove(this);
    }

    private void reject(ChannelHandlerContext ctx, RejectReason reason) {
        decided = true;
        cancelTimeout();
        c.onRejected().accept(reason);
        ctx.close();
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
