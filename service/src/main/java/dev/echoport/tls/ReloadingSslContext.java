package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings;
import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The TLS context new connections get, swapped without a restart when the certificate, key or trust files change.
 * {@link #checkForChange()} compares each file's modification time, size and inode with those last loaded; files that
 * fail to load leave the previous context in force.
 * <p>
 * A rotation replaces two or three files one after the other, so a check can land between them and see a new
 * certificate with the old key. Such a failure is taken as "not finished yet": it is reported (ERROR line, failure
 * count) only if the files are still the same at the next check, and then retried only after they change again.
 */
public final class ReloadingSslContext {
    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

    private final ProtocolSettings.Tls tls;
    private final Consumer<Boolean> onReload;
    private volatile SslContext current;
    /** The files as last loaded, or as last reported as failing. */
    private List<String> stamps;
    /** The files as seen by a check whose load failed and was not reported yet; null when none. */
    private List<String> unsettled;

    /** @param onReload told of each reported reload: true if the new files are in force */
    public ReloadingSslContext(ProtocolSettings.Tls tls, Consumer<Boolean> onReload) throws Exception {
        this.tls = tls;
        this.onReload = onReload;
        this.stamps = stamps();
        this.current = TlsContexts.build(tls);
    }

    public SslContext current() {
        return current;
    }

    /** Reloads if any file changed since the last attempt; returns true if a new context is now in force. */
    public synchronized boolean checkForChange() {
        List<String> now;
        try {
            now = stamps();
        } catch (IOException e) {
            return false; // mid-replacement (file briefly missing): look again at the next check
        }
        if (now.equals(stamps)) {
            return false;
        }
        try {
            install(TlsContexts.build(tls), now);
            return true;
        } catch (Exception e) {
            if (!now.equals(unsettled)) {
                unsettled = now; // perhaps caught mid-rotation: judge it at the next check
                log.debug("TLS files changed but do not load yet, checking again: {}", oneLine(e));
                return false;
            }
            failed(e, now);
            return false;
        }
    }

    /** Reloads the files now, changed or not (SIGHUP: the operator says the rotation is complete). */
    public synchronized boolean reload() {
        List<String> seen = stampsOrNull();
        try {
            install(TlsContexts.build(tls), seen);
            return true;
        } catch (Exception e) {
            failed(e, seen);
            return false;
        }
    }

    /** Puts {@code context}, built from the files as {@code seen}, in force and reports it. */
    private void install(SslContext context, List<String> seen) {
        current = context;
        stamps = seen;
        unsettled = null;
        log.info("TLS certificate reloaded from {}", tls.certificate().orElseThrow());
        onReload.accept(true);
    }

    /** Reports a failed load once: the files as {@code seen} are not tried again until they change. */
    private void failed(Exception e, List<String> seen) {
        stamps = seen;
        unsettled = null;
        log.error("TLS certificate reload failed, the previous certificate stays in use: {}", oneLine(e));
        onReload.accept(false);
    }

    private List<String> stampsOrNull() {
        try {
            return stamps();
        } catch (IOException e) {
            return null;
        }
    }

    private List<String> stamps() throws IOException {
        List<String> out = new ArrayList<>();
        for (Optional<Path> f : List.of(tls.certificate(), tls.privateKey(), tls.trustCertificates())) {
            if (f.isPresent()) {
                BasicFileAttributes a = Files.readAttributes(f.get(), BasicFileAttributes.class);
                out.add(a.lastModifiedTime().toMillis() + "/" + a.size() + "/" + a.fileKey());
            }
        }
        return out;
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage() == null ? root.toString() : root.getMessage()).replace('\n', ' ');
    }
}
