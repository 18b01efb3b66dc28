package dev.weft.patterns;

/**
 * The context was cancelled: Go's {@code context.Canceled}. {@link #getCause()} is the cause
 * passed to {@link CancelContext#cancel(Throwable)}, or null if none was given.
 */
public final class ContextCanceledException extends ContextDoneException {

    /**
     * The value a cancelled context reports as its {@link Context#err()}. This library's contexts
     * make their own; a {@link Context} implemented elsewhere makes one when it is cancelled and
     * returns that same instance from every later {@code err()}.
     *
     * @param cause why the context was cancelled, or null
     */
    public ContextCanceledException(Throwable cause) {
        super(cause == null ? "context canceled" : "context canceled: " + cause, cause);
    }
}
