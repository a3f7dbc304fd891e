package dev.echoport.loadgen.bench;

/** What the benchmark runs as the server. */
public enum ServerKind {
    /** echoport itself, from its jar, configured through its environment. */
    ECHOPORT("echoport"),
    /** {@code loadgen echo-server}: the canonical handler on echoport's transport set-up (see its javadoc). */
    MINIMAL("minimal"),
    /** Netty's example echo server and nothing else ({@link CanonicalEchoServer}): the reference. */
    CANONICAL("canonical"),
    /** The C epoll echo server (bench/c/echo_server.c): the limit. */
    C("C");

    private final String label;

    ServerKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
