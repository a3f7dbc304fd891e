package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings.TlsProvider;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

import java.util.Locale;
import java.util.Optional;

/**
 * The outcome of resolving {@code echoport.tls.provider}, like {@code TransportSelection} for transports: what was
 * asked for, what serves, and why. {@code auto} takes OpenSSL (netty-tcnative's BoringSSL) when its native library
 * loads and says why it did not otherwise; an explicit {@code openssl} that cannot load is refused with Netty's reason
 * ({@link OpenSsl#unavailabilityCause()}), never replaced by the JDK.
 *
 * @param requested what the settings ask for
 * @param active    what serves the TLS listener; empty while TLS is off (nothing was loaded to find out)
 * @param reason    why {@code active} serves, for the start-up line: "auto: BoringSSL loaded", "auto; openssl not
 *                  available (...)", "configured"
 */
public record TlsProviderSelection(TlsProvider requested, Optional<SslProvider> active, String reason) {

    /** OpenSSL could not be loaded here and was asked for explicitly. */
    public static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    /** TLS is off: the provider is not resolved, so the OpenSSL native library is not even unpacked. */
    public static TlsProviderSelection notResolved(TlsProvider requested) {
        return new TlsProviderSelection(requested, Optional.empty(), "not resolved: TLS is off");
    }

    /** Resolves {@code requested} against this host's OpenSSL (loading it the first time). */
    public static TlsProviderSelection resolve(TlsProvider requested) throws UnavailableException {
        return resolve(requested, OpenSsl.isAvailable() ? null : OpenSsl.unavailabilityCause(),
                OpenSsl.isAvailable() ? OpenSsl.versionString() : null);
    }

    /**
     * @param openSslCause   why OpenSSL cannot load here; null when it loaded
     * @param openSslVersion the loaded library's version ("BoringSSL"), when it loaded
     */
    static TlsProviderSelection resolve(TlsProvider requested, Throwable openSslCause, String openSslVersion)
            throws UnavailableException {
        return switch (requested) {
            case JDK -> new TlsProviderSelection(requested, Optional.of(SslProvider.JDK), "configured");
            case OPENSSL -> {
                if (openSslCause != null) {
                    throw new UnavailableException("not available on this host (" + describe(openSslCause) + ")");
                }
                yield new TlsProviderSelection(requested, Optional.of(SslProvider.OPENSSL),
                        "configured, " + openSslVersion);
            }
            case AUTO -> openSslCause == null
                    ? new TlsProviderSelection(requested, Optional.of(SslProvider.OPENSSL),
                    "auto: " + openSslVersion + " loaded")
                    : new TlsProviderSelection(requested, Optional.of(SslProvider.JDK),
                    "auto; openssl not available: " + describe(openSslCause));
        };
    }

    /** The provider that serves; only asked for while TLS is on. */
    public SslProvider provider() {
        return active.orElseThrow(() -> new IllegalStateException("TLS provider " + reason));
    }

    /** The config name of what serves: "openssl" or "jdk". */
    public String activeName() {
        return provider() == SslProvider.JDK ? "jdk" : "openssl";
    }

    public String requestedName() {
        return requested.name().toLowerCase(Locale.ROOT);
    }

    /** For the start-up line: "openssl (auto: BoringSSL loaded)". */
    public String describe() {
        return activeName() + " (" + reason + ")";
    }

    /**
     * Netty's cause in one line: the innermost cause, and the first library load error Netty kept beside it, which is
     * the one that says why (for a noexec /tmp: "failed to map segment from shared object").
     */
    static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        StringBuilder s = new StringBuilder(oneLine(root));
        if (root.getSuppressed().length > 0) {
            String first = oneLine(root.getSuppressed()[0]);
            s.append("; first: ").append(first);
            if (first.contains("failed to map segment")) {
                s.append(" (io.netty.native.workdir, default /tmp, must allow exec)");
            }
        }
        return s.toString();
    }

    private static String oneLine(Throwable t) {
        return (t.getMessage() == null ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage()).replace('\n', ' ');
    }
}
