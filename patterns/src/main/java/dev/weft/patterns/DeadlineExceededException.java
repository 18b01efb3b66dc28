package dev.weft.patterns;

/**
 * The context's deadline passed: Go's {@code context.DeadlineExceeded}. It has no cause; a
 * context done by its deadline reports this exception as both {@link Context#err()} and {@link
 * Context#cause()}.
 */
public final class DeadlineExceededException extends ContextDoneException {

    DeadlineExceededException() {
        super("context deadline exceeded", null);
    }
}
