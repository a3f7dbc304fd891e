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
 * {@link #checkForChange()} compares each file's modification time and size with those last loaded; a file that fails
 * to load leaves the previous context in force (and is retried only after it changes again).
 */
public final class ReloadingSslContext {
    private static final Logger log = LoggerFactory.getLogger(ReloadingSslContext.class);

    private final ProtocolSettings.Tls tls;
    private final Consumer<Boolean> onReload;
    private volatile SslContext current;
    private List<String> stamps;

    /** @param onReload told of each reload attempt: true if the new files are in force */
    public ReloadingSslContext(ProtocolSettings.Tls tls, Consumer<Boolean> onReload) throws IOException {
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
        stamps = now;
        return reload();
    }

    /** Reloads the files now, changed or not. */
    public synchronized boolean reload() {
        try {
            current = TlsContexts.build(tls);
            log.info("TLS certificate reloaded from {}", tls.certificate().orElseThrow());
            onReload.accept(true);
            return true;
        } catch (IOException | RuntimeException e) {
            log.error("TLS certificate reload failed, the previous certificate stays in use: {}",
                    String.valueOf(rootMessage(e)).replace('\n', ' '));
            onReload.accept(false);
            return false;
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

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.toString() : root.getMessage();
    }
}
