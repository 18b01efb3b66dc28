package dev.weft.patterns;

/**
 * The receiving end of a {@link Channel}: Go's {@code <-chan T}, jox's {@code Source}. A consumer
 * holding one can take values, see whether the channel is closed, and iterate it, but cannot send
 * on it or close it, so it cannot end a stream that belongs to its producer.
 *
 * <p>A {@link Channel} is one; {@link Channel#receiveOnly()} gives a view that is nothing else (it
 * cannot be cast back to a {@code Channel} or a {@link SendChannel}). Every method has exactly the
 * semantics of the {@link Channel} method of the same name (blocking, interruption, cancellation,
 * memory visibility), on the channel it belongs to; {@link Select#onReceive} accepts either.
 *
 * @param <T> the element type
 */
public sealed interface ReceiveChannel<T> extends Iterable<T> permits Channel, Channel.ReceiveOnly {

    /**
     * Go's {@code v := <-ch}; see {@link Channel#receive()}.
     *
     * @return the value
     * @throws ChannelClosedException once the channel is closed and drained
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    T receive() throws InterruptedException;

    /**
     * {@link #receive()} unless {@code ctx} is done first; see {@link Channel#receive(Context)}.
     *
     * @param ctx the context
     * @return the value
     * @throws ContextDoneException {@code ctx.err()}, if done on entry or while blocked
     * @throws ChannelClosedException once the channel is closed and drained
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    T receive(Context ctx) throws InterruptedException;

    /**
     * Go's {@code v, ok := <-ch}; see {@link Channel#receiveOrClosed()}.
     *
     * @return a value or {@link Received#closed()}
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    Received<T> receiveOrClosed() throws InterruptedException;

    /**
     * {@link #receiveOrClosed()} unless {@code ctx} is done first; see {@link
     * Channel#receiveOrClosed(Context)}.
     *
     * @param ctx the context
     * @return a value or {@link Received#closed()}
     * @throws ContextDoneException {@code ctx.err()}, if done on entry or while blocked
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    Received<T> receiveOrClosed(Context ctx) throws InterruptedException;

    /**
     * Receives without blocking; see {@link Channel#tryReceive()}.
     *
     * @return a value, {@link Received#closed()}, or {@link Received#notReady()}
     */
    Received<T> tryReceive();

    /**
     * Whether the channel is closed (values may still be buffered); never blocks.
     *
     * @return true once closed
     */
    boolean isClosed();

    /**
     * Go's {@code len(ch)}: the number of buffered values, a snapshot.
     *
     * @return the number of values in the buffer
     */
    int len();

    /**
     * Go's {@code cap(ch)}.
     *
     * @return the capacity; 0 for an unbuffered channel
     */
    int cap();
}
