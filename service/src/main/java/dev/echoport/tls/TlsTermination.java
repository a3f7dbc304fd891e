package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings;
import dev.echoport.echo.PipelineNames;
import dev.echoport.metrics.ProtocolMetrics;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What makes a TCP echo listener the TLS listener: the certificate in force (reloaded without a restart), and at the
 * start of each admitted connection the {@code SslHandler} and the handshake accounting. The listener itself is bound
 * like the plain one, with the same admission and echo.
 */
public final class TlsTermination {
    private final ProtocolSettings.Tls settings;
    private final ProtocolMetrics metrics;
    private final ReloadingSslContext context;
    private final HandshakeFailureLog failureLog = new HandshakeFailureLog();

    /** Loads the certificate files; they were checked when the settings were read, so a failure here is a race. */
    public TlsTermination(ProtocolSettings.Tls settings, ProtocolMetrics metrics) {
        this.settings = settings;
        this.metrics = metrics;
        metrics.bindTls(settings.provider());
        try {
            this.context = new ReloadingSslContext(settings, metrics::tlsReload);
        } catch (Exception e) { // the settings reader loaded these files already: one changed in between
            throw new IllegalStateException("echoport.tls.certificate: " + e.getMessage(), e);
        }
    }

    /** Checks the files for change every {@code tls.reload-check-interval} (never when it is 0). */
    public void watchFiles(ScheduledExecutorService housekeeping) {
        if (!settings.reloadCheckInterval().isZero()) {
            long every = settings.reloadCheckInterval().toMillis();
            housekeeping.scheduleWithFixedDelay(context::checkForChange, every, every, TimeUnit.MILLISECONDS);
        }
    }

    /** Adds TLS to the front of an admitted connection's pipeline. */
    public void addHandlers(Channel ch) {
        SslHandler ssl = context.current().newHandler(ch.alloc());
        ssl.setHandshakeTimeout(settings.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ch.pipeline().addLast(PipelineNames.TLS, ssl);
        ch.pipeline().addLast(PipelineNames.TLS_HANDSHAKE, new TlsHandshakeHandler(metrics, failureLog));
    }

    /** Reloads the certificate files now (SIGHUP); false if they did not load. */
    public boolean reload() {
        return context.reload();
    }

    public int port() {
        return settings.port();
    }
}
