package dev.weft.patterns;

/**
 * An operation that a closed {@link Channel} cannot perform: Go's {@code panic: send on closed
 * channel} and {@code panic: close of closed channel}, and the "closed" outcome of {@link
 * Channel#receive()} once the buffer is drained.
 *
 * <p>It is an {@link IllegalStateException} because in Go both panics are programming errors: the
 * sender owns the channel and must not send after closing it, nor close it twice.
 */
public final class ChannelClosedException extends IllegalStateException {

    ChannelClosedException(String message) {
        super(message);
    }
}
