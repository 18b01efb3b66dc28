package dev.weft.patterns;

/**
 * The sending end of a {@link Channel}: Go's {@code chan<- T}, jox's {@code Sink}. A producer
 * holding one can send and, when it is done, close; it cannot take values meant for consumers.
 *
 * <p>A {@link Channel} is one; {@link Channel#sendOnly()} gives a view that is nothing else (it
 * cannot be cast back to a {@code Channel} or a {@link ReceiveChannel}). Every method has exactly
 * the semantics of the {@link Channel} method of the same name (blocking, interruption,
 * cancellation, memory visibility), on the channel it belongs to; {@link Select#onSend} accepts
 * either.
 *
 * @param <T> the element type
 */
public sealed interface SendChannel<T> permits Channel, Channel.SendOnly {

    /**
     * Go's {@code ch <- value}; see {@link Channel#send(Object)}.
     *
     * @param value the value; not null
     * @throws InterruptedException if interrupted before or while blocked; the value was not sent
     * @throws ChannelClosedException if the channel is closed, or is closed while blocked
     */
    void send(T value) throws InterruptedException;

    /**
     * {@link #send(Object)} unless {@code ctx} is done first; see {@link Channel#send(Context,
     * Object)}.
     *
     * @param ctx the context
     * @param value the value; not null
     * @throws ContextDoneException {@code ctx.err()}, if done on entry or while blocked; not sent
     * @throws InterruptedException if interrupted before or while blocked; the value was not sent
     * @throws ChannelClosedException if the channel is closed, or is closed while blocked
     */
    void send(Context ctx, T value) throws InterruptedException;

    /**
     * Sends without blocking; see {@link Channel#trySend(Object)}.
     *
     * @param value the value; not null
     * @return true if sent, false if a send would block
     * @throws ChannelClosedException if the channel is closed
     */
    boolean trySend(T value);

    /**
     * Go's {@code close(ch)}; see {@link Channel#close()}.
     *
     * @throws ChannelClosedException if the channel is already closed
     */
    void close();

    /**
     * Whether the channel is closed; never blocks.
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
