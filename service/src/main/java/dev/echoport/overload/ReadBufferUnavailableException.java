package dev.echoport.overload;

/**
 * No direct memory was left for a connection's read buffer: the connection is closed as an error with this as its
 * cause ({@link PressureAwareReads}). Never thrown into Netty's read path where a connection is known; an exception,
 * not the {@code OutOfMemoryError} it wraps, where it is not, because Netty 4.2.18's io_uring loop rethrows an
 * {@code Error} from a completion and ends.
 */
public final class ReadBufferUnavailableException extends RuntimeException {
    public ReadBufferUnavailableException(int size, OutOfMemoryError cause) {
        super("no direct memory for a read buffer of " + size + " bytes: " + cause.getMessage(), cause);
    }
}
