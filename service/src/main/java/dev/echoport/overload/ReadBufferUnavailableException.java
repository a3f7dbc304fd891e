package dev.echoport.overload;

/**
 * No direct memory was left for a connection's read buffer. An exception, not the {@code OutOfMemoryError} it wraps,
 * because Netty 4.2.18's io_uring loop rethrows an {@code Error} from a completion and ends, stranding every
 * connection it served. An exception stays with the connection: within a read loop or when reading resumes, Netty
 * hands it to the pipeline, which closes that connection ("closed on error"); on the first read after a poll, Netty
 * logs it and the connection reads no more until it is closed or times out idle. The loop goes on either way.
 */
public final class ReadBufferUnavailableException extends RuntimeException {
    public ReadBufferUnavailableException(int size, OutOfMemoryError cause) {
        super("no direct memory for a read buffer of " + size + " bytes: " + cause.getMessage(), cause);
    }
}
