package dev.echoport.testsupport;

import com.typesafe.config.ConfigFactory;
import dev.echoport.config.Settings;
import dev.echoport.config.SettingsLoader;
import dev.echoport.transport.Transport;

/** Settings for in-process servers: reference defaults, loopback, ephemeral ports, admin off, plus overrides. */
public final class TestSettings {
    private TestSettings() {
    }

    /**
     * @param transport the I/O model under test
     * @param hocon     extra settings relative to {@code echoport}, e.g. {@code "admission.max-connections = 2"}
     */
    public static Settings of(Transport transport, String... hocon) {
        StringBuilder s = new StringBuilder("echoport { host = \"127.0.0.1\", port = 0, admin.port = 0, ");
        s.append("transport = ").append(transport.configName()).append('\n');
        for (String h : hocon) {
            s.append(h).append('\n');
        }
        s.append('}');
        return SettingsLoader.fromConfig(ConfigFactory.parseString(s.toString())
                .withFallback(SettingsLoader.defaults()).resolve());
    }
}
