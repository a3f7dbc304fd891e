package dev.echoport.loadgen.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which TLS provider an echoport server under test serves with, as it says itself in /metrics
 * ({@code echoport_tls_provider_info{requested, active}}). The report cannot know it in advance: tls.provider
 * defaults to auto, which takes OpenSSL when netty-tcnative loads on the host and the JDK otherwise, and a variant
 * may set it.
 */
final class TlsProviderProbe {
    private static final String SAMPLE = "echoport_tls_provider_info{";
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

    private TlsProviderProbe() {
    }

    /** "openssl (tls.provider = auto)"; when /metrics does not say, what the server was asked for and that. */
    static String describe(ServerProcess server) {
        return scrape(server.adminPort()).flatMap(TlsProviderProbe::parse)
                .orElseGet(() -> notReported(server.spec()));
    }

    /** The provider from a Prometheus exposition: "openssl (tls.provider = auto)", or empty without the sample. */
    static Optional<String> parse(String exposition) {
        for (String line : exposition.split("\n")) {
            if (!line.startsWith(SAMPLE)) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            Matcher m = LABEL.matcher(line.substring(SAMPLE.length(), Math.max(SAMPLE.length(), line.indexOf('}'))));
            while (m.find()) {
                labels.put(m.group(1), m.group(2));
            }
            if (labels.containsKey("active")) {
                return Optional.of(labels.get("active") + " (tls.provider = "
                        + labels.getOrDefault("requested", "?") + ")");
            }
        }
        return Optional.empty();
    }

    /** Says what was asked for, without claiming what it resolved to. */
    static String notReported(ServerSpec spec) {
        String requested = spec.settings().getOrDefault("echoport.tls.provider",
                spec.env().getOrDefault("ECHOPORT_TLS_PROVIDER", "auto"));
        return requested.equals("auto")
                ? "not reported in /metrics (tls.provider = auto: OpenSSL when netty-tcnative loads, else the JDK)"
                : "not reported in /metrics (tls.provider = " + requested + ")";
    }

    private static Optional<String> scrape(int adminPort) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + adminPort + "/metrics")
                    .toURL().openConnection();
            c.setConnectTimeout(2000);
            c.setReadTimeout(5000);
            try {
                if (c.getResponseCode() != 200) {
                    return Optional.empty();
                }
                try (InputStream in = c.getInputStream()) {
                    return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return Optional.empty(); // the report says it was not reported rather than fail the bench
        }
    }
}
