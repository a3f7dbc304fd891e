package dev.echoport.tls;

import dev.echoport.echo.CloseCause;
import dev.echoport.echo.ConnectionLifecycleHandler;
import dev.echoport.metrics.ProtocolMetrics;
import dev.echoport.metrics.ProtocolMetrics.TlsFailure;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

import javax.net.ssl.SSLHandshakeException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;

/**
 * Sits right after the {@code SslHandler}: counts the handshake, and turns a failure into one counter increment with a
 * bounded reason and one rate-limited log line ({@link HandshakeFailureLog}). Exceptions during the handshake are the
 * failure itself, so they are not logged again by the lifecycle handler.
 * <p>
 * It stays after the handshake to count a refused client renegotiation ({@link ClientRenegotiation}) the same way,
 * reason {@code renegotiation}; other exceptions then pass on untouched. It costs nothing per read: it handles no
 * read event, so Netty's pipeline skips it for those.
 */
public final class TlsHandshakeHandler extends ChannelInboundHandlerAdapter {
    private final ProtocolMetrics metrics;
    private final HandshakeFailureLog failureLog;
    private boolean handshaken;

    public TlsHandshakeHandler(ProtocolMetrics metrics, HandshakeFailureLog failureLog) {
        this.metrics = metrics;
        this.failureLog = failureLog;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            if (e.isSuccess()) {
                metrics.tlsHandshake();
                handshaken = true;
            } else {
                failed(ctx, e.cause());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!handshaken) {
            // Before the handshake ended: the failure event follows (or came first) and reports it once.
            ConnectionLifecycleHandler.markCause(ctx.channel(), CloseCause.ERROR);
            ctx.close();
        } else if (ClientRenegotiation.isRefusal(cause)) {
            // SslHandler fires no completion event for a second handshake: its refusal arrives as this exception
            handshaken = false; // count it once, whatever follows on the closing channel
            refused(ctx, TlsFailure.RENEGOTIATION, cause);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        refused(ctx, classify(cause), cause);
    }

    private void refused(ChannelHandlerContext ctx, TlsFailure reason, Throwable cause) {
        metrics.tlsHandshakeFailed(reason);
        ConnectionLifecycleHandler.markCause(ctx.channel(), reason == TlsFailure.CLOSED ? CloseCause.CLIENT
                : CloseCause.ERROR);
        failureLog.failed(ConnectionLifecycleHandler.peer(ctx.channel()), reason.label(), describe(cause));
        ctx.close();
    }

    static TlsFailure classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return TlsFailure.NOT_TLS;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return TlsFailure.TIMEOUT;
            }
            if (t instanceof ClosedChannelException) {
                return TlsFailure.CLOSED;
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof SSLHandshakeException || t instanceof javax.net.ssl.SSLException) {
                if (m.contains("certificate") || m.contains("unknown_ca") || m.contains("pkix")
                        || m.contains("cert")) {
                    return TlsFailure.CERTIFICATE;
                }
            }
        }
        return TlsFailure.PROTOCOL;
    }

    private static String describe(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t && t.getMessage() != null
                && t.getMessage().contains(t.getCause().getClass().getName())) {
            t = t.getCause(); // DecoderException(cause.toString()) and friends: say the cause once
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
        return m.replace('\n', ' ');
    }
}
