package dev.weft.patterns;

/**
 * A context that can be cancelled explicitly: the context and cancel function of Go's {@code
 * WithCancelCause}, {@code WithDeadline} and {@code WithTimeout} in one object.
 *
 * <p>Cancelling is idempotent and the first cancellation wins: once done (by either method, by
 * the deadline, or by an ancestor), later calls change neither {@link #err()} nor {@link
 * #cause()}. Cancelling never blocks on other threads beyond a short internal lock, and it runs
 * the cancellation of every descendant in the calling thread before returning, so on return every
 * descendant of this library reports done.
 */
public interface CancelContext extends Context {

    /**
     * Cancels this context with {@link ContextCanceledException} and no separate cause (so {@link
     * #cause()} is {@link #err()}). Does nothing if it is already done. Everything the calling
     * thread did before happens-before any thread observes this context done.
     */
    void cancel();

    /**
     * Cancels this context with {@link ContextCanceledException} whose {@link
     * Throwable#getCause()} is {@code cause}, and {@link #cause()} returns {@code cause}. A null
     * cause is the same as {@link #cancel()}. Does nothing if it is already done.
     *
     * @param cause why it was cancelled
     */
    void cancel(Throwable cause);
}
