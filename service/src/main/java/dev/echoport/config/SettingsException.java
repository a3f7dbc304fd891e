package dev.echoport.config;

/**
 * A setting is wrong. The message is one line that names the HOCON path, the value and what was expected, e.g.
 * {@code echoport.port = 70000: expected an integer from 0 to 65535 (from echoport.conf: 3)}.
 */
public final class SettingsException extends RuntimeException {
    private final String path;

    public SettingsException(String path, String message) {
        super(message.replace('\n', ' '));
        this.path = path;
    }

    /** The full HOCON path of the offending setting, e.g. {@code echoport.admission.max-connections}. */
    public String path() {
        return path;
    }
}
