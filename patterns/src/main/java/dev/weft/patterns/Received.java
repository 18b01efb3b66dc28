package dev.weft.patterns;

import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The outcome of a receive that does not throw on a closed channel: Go's {@code v, ok := <-ch}.
 *
 * <p>Exactly one of three states. {@link #ok()}: a value was received (the channel may have been
 * closed since; values sent before close are always delivered first). {@link #closed()}: the
 * channel is closed and its buffer drained; no value will ever come. {@link #notReady()}: only
 * from the non-blocking {@link Channel#tryReceive()}, when a receive would have blocked.
 *
 * <p>Instances are immutable; the "closed" and "not ready" outcomes are shared constants.
 *
 * @param <T> the element type
 */
public final class Received<T> {

    private static final Received<?> CLOSED = new Received<>(null, State.CLOSED);
    private static final Received<?> NOT_READY = new Received<>(null, State.NOT_READY);

    private enum State { VALUE, CLOSED, NOT_READY }

    private final T value;
    private final State state;

    private Received(T value, State state) {
        this.value = value;
        this.state = state;
    }

    static <T> Received<T> of(T value) {
        return new Received<>(Objects.requireNonNull(value), State.VALUE);
    }

    @SuppressWarnings("unchecked") // holds no T
    static <T> Received<T> closedOutcome() {
        return (Received<T>) CLOSED;
    }

    @SuppressWarnings("unchecked") // holds no T
    static <T> Received<T> notReadyOutcome() {
        return (Received<T>) NOT_READY;
    }

    /**
     * Whether a value was received: Go's {@code ok}.
     *
     * @return true if {@link #value()} holds a value
     */
    public boolean ok() {
        return state == State.VALUE;
    }

    /**
     * Whether the channel was closed and drained, so no value was or ever will be received.
     *
     * @return true for the "closed" outcome
     */
    public boolean closed() {
        return state == State.CLOSED;
    }

    /**
     * Whether a non-blocking receive found nothing to take on an open channel.
     *
     * @return true for the "not ready" outcome of {@link Channel#tryReceive()}
     */
    public boolean notReady() {
        return state == State.NOT_READY;
    }

    /**
     * The received value.
     *
     * @return the value; never null
     * @throws NoSuchElementException if no value was received ({@link #ok()} is false)
     */
    public T value() {
        if (state != State.VALUE) {
            throw new NoSuchElementException("no value: " + this);
        }
        return value;
    }

    /**
     * The received value, or {@code other} if none was received.
     *
     * @param other what to return when {@link #ok()} is false
     * @return the value or {@code other}
     */
    public T orElse(T other) {
        return state == State.VALUE ? value : other;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Received<?> r && r.state == state && Objects.equals(r.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, value);
    }

    @Override
    public String toString() {
        return switch (state) {
            case VALUE -> "Received[" + value + "]";
            case CLOSED -> "Received[closed]";
            case NOT_READY -> "Received[not ready]";
        };
    }
}
