package dev.echoport.proxy;

import dev.echoport.admission.Admission;
import dev.echoport.admission.ClientAtAccept;
import dev.echoport.admission.RejectReason;
import dev.echoport.config.ProtocolSettings;
import dev.echoport.echo.PipelineNames;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The PROXY protocol (v1 and v2) on the TCP listeners, as the rest of the server meets it: who a new connection's
 * client is at accept ({@link #clientAtAccept}), the handlers that read the header and decide on the client it names
 * ({@link #addHandlers}), and what its refusal reasons mean in the log.
 *
 * <p>A connection from a trusted proxy takes a slot of {@code max-connections} at accept, header pending or not, so
 * connections that never send their header are bounded like any other; the per-IP limit and the CIDR rules apply to
 * the client the header names. A connection from anyone else is its own client: in optional mode every rule applies
 * to it at accept (and a header it sends is refused), in required mode it is refused at accept.
 */
public final class ProxyProtocol {
    private final ProtocolSettings.Proxy settings;

    public ProxyProtocol(ProtocolSettings.Proxy settings) {
        this.settings = settings;
    }

    public ProtocolSettings.Proxy settings() {
        return settings;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Who the client of a connection from {@code peer} is, as far as the listener can know at accept. */
    public ClientAtAccept clientAtAccept(InetSocketAddress peer) {
        if (!settings.enabled()) {
            return ClientAtAccept.PEER;
        }
        if (settings.trusts(peer)) {
            return ClientAtAccept.HEADER;
        }
        return settings.required() ? ClientAtAccept.UNTRUSTED : ClientAtAccept.PEER_UNCONFIRMED;
    }

    /**
     * Adds the handlers that read the header and put its client to {@code admission}; an admitted connection gets
     * {@code addEchoHandlers} behind them, and they leave.
     */
    public void addHandlers(ChannelPipeline p, Admission admission, Consumer<Channel> addEchoHandlers) {
        ProxyProtocolDetector detector = new ProxyProtocolDetector(this, PipelineNames.PROXY_DECODER);
        p.addLast(PipelineNames.PROXY_DETECTOR, detector);
        p.addLast(PipelineNames.PROXY_ADMISSION, new ProxyAdmissionHandler(this, admission, addEchoHandlers));
    }

    /** The text after the colon of a rejection summary line, for the PROXY protocol's reasons. */
    public String explain(RejectReason reason) {
        return switch (reason) {
            case UNTRUSTED_PROXY -> "PROXY protocol from a source outside trusted-proxies "
                    + settings.trustedProxies();
            case PROXY_HEADER -> "invalid, oversized or missing PROXY protocol header (proxy-protocol = "
                    + settings.mode().name().toLowerCase(Locale.ROOT) + ", timeout "
                    + settings.timeout().toMillis() + " ms, max header " + settings.maxHeaderSize() + " bytes)";
            default -> reason.label();
        };
    }

    /** One line for the start-up log. */
    public String describe() {
        return "PROXY protocol " + settings.mode().name().toLowerCase(Locale.ROOT) + " from "
                + settings.trustedProxies();
    }
}
