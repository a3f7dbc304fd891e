package dev.echoport.server;

/** Where an {@link EchoServer} is in its life; readiness is true only while {@link #ACCEPTING}. */
public enum ServerState {
    NEW, STARTING, ACCEPTING, DRAINING, CLOSED
}
