package dev.weft.patterns;

/**
 * The context's deadline passed: Go's {@code context.DeadlineExceeded}. It has no cause; a
 * context done by its deadline reports this exception as both {@link Context#err()} and {@link
 * Context#cause()}, unless it was made with a cause for its deadline ({@link
 * Context#withDeadlineCause}, {@link Context#withTimeoutCause}), which {@code cause()} then is.
 */
public final class DeadlineExceededException extends ContextDoneException {

    /**
     * The value a context whose deadline passed reports as its {@link Context#err()}. This
     * library's contexts make their own; a {@link Context} implemented elsewhere makes one when its
     * deadline passes and returns that same instance from every later {@code err()}.
     */
    public DeadlineExceededException() {
        super("context deadline exceeded", null);
    }
}
