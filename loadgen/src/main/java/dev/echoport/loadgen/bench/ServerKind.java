package dev.echoport.loadgen.bench;

/** What the benchmark runs as the server: echoport itself, or the minimal Netty echo baseline. */
public enum ServerKind {
    ECHOPORT("echoport"),
    MINIMAL("minimal");

    private final String label;

    ServerKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
