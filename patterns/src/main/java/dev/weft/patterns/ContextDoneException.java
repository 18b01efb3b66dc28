package dev.weft.patterns;

import java.util.concurrent.CancellationException;

/**
 * Why a {@link Context} is done: Go's {@code ctx.Err()}. One of exactly two kinds, {@link
 * ContextCanceledException} ({@code context.Canceled}) and {@link DeadlineExceededException}
 * ({@code context.DeadlineExceeded}).
 *
 * <p>These exceptions are values that describe a context's state, like Go's error variables, not
 * records of where something went wrong: they carry no stack trace, and a context returns the same
 * instance from every {@link Context#err()} call and hands the same instance to its descendants.
 * {@link #getCause()} is the cause given to {@link CancelContext#cancel(Throwable)}, or null
 * when none was given (then {@link Context#cause()} is this exception itself).
 *
 * <p>The constructors of the two kinds are public so that a {@link Context} implemented outside
 * this library can report either; the set of kinds is closed (sealed), so {@code err()} is always
 * one of them.
 *
 * <p>It extends {@link CancellationException} so that code written for {@code java.util.concurrent}
 * already treats a done context as cancellation.
 */
public abstract sealed class ContextDoneException extends CancellationException
        permits ContextCanceledException, DeadlineExceededException {

    ContextDoneException(String message, Throwable cause) {
        super(message);
        // Always initialised, even to null, so nobody can attach a cause to a shared value later.
        initCause(cause);
    }

    /** No stack trace: this is a state, and it is shared; a trace would point at whoever made it. */
    @Override
    public final Throwable fillInStackTrace() {
        return this;
    }
}
