package dev.weft.patterns;

/**
 * The context was cancelled: Go's {@code context.Canceled}. {@link #getCause()} is the cause
 * passed to {@link CancelContext#cancel(Throwable)}, or null if none was given.
 */
public final class ContextCanceledException extends ContextDoneException {

    ContextCanceledException(Throwable cause) {
        super(cause == null ? "context canceled" : "context canceled: " + cause, cause);
    }
}
