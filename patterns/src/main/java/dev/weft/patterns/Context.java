package dev.weft.patterns;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Go's {@code context.Context}: a cancellation signal, an optional deadline and request-scoped
 * values, passed explicitly (by convention as the first parameter) down a call tree.
 *
 * <p>Contexts form a tree. A context is <em>done</em> once it is cancelled, its deadline passes,
 * or its parent is done; being done is permanent. Cancelling a context cancels all its
 * descendants, with the same {@link #err()} and {@link #cause()}; it never affects its parent. A
 * child's deadline is never later than its parent's. The cancelling thread cancels the
 * descendants right after the context itself, before its cancel returns; so a thread that sees a
 * context done may briefly still see one of its descendants not done (as in Go) and should wait
 * on the descendant it cares about rather than assume.
 *
 * <p><b>Memory visibility.</b> Everything a thread did before cancelling a context (by {@link
 * CancelContext#cancel()}, by its deadline, or by cancelling an ancestor) happens-before anything
 * another thread does after it observes the context done: after {@link #isDone()} returns true,
 * after {@link #await()} returns, after {@link #await(Duration)} returns true, after {@link
 * #err()} returns non-null, and at the start of a function passed to {@link #afterFunc(Runnable)}.
 *
 * <p><b>Implementations outside this library</b> are allowed (as in Go). Report {@link #err()}
 * with this library's two values, {@code new ContextCanceledException(cause)} or {@code new
 * DeadlineExceededException()} (create each once and return the same instance every time), so
 * callers can tell the two apart; {@link #afterFunc(Runnable)} must start its function once the
 * context is done, as the contract above says. The library's own contexts propagate cancellation
 * synchronously among themselves. A child made by {@link #withCancel} or {@link #withDeadline}
 * below a foreign parent is done at once if the parent already reports done when the child is
 * made, and reports done from the moment the parent does whenever it is asked ({@link
 * #isDone()}, {@link #err()}, {@link #cause()}, {@link #await()}), since it then asks the parent.
 * What cannot be synchronous is waking the child's own waiters and descendants: for that the
 * child registers with the parent's {@link #afterFunc(Runnable)}, so the cost of a foreign parent
 * is one thread per cancellation (the parent's afterFunc) and a wake-up that comes slightly
 * later, on that thread.
 *
 * <p>All methods are thread-safe.
 */
public interface Context {

    /**
     * The root of every context tree: never done, no deadline, no values. Go's {@code
     * context.Background()}.
     *
     * @return the one background context
     */
    static Context background() {
        return Contexts.BACKGROUND;
    }

    /**
     * A child of {@code parent} that is done when {@code parent} is, or when its {@link
     * CancelContext#cancel()} is called, whichever comes first. Go's {@code WithCancelCause}.
     *
     * <p>Call {@code cancel()} once the work using it is finished, as in Go: until it is done, the
     * child is registered with its parent, and a long-lived parent would otherwise keep it. If
     * {@code parent} is already done, the child is returned already done, with the parent's err and
     * cause. Never blocks.
     *
     * @param parent the parent
     * @return the child
     */
    static CancelContext withCancel(Context parent) {
        return CancelNode.create(parent, null, null);
    }

    /**
     * A child of {@code parent} that is also done at {@code deadline}. Go's {@code WithDeadline}.
     *
     * <p>Its {@link #deadline()} is the earlier of {@code deadline} and the parent's. When the
     * deadline passes, {@link #err()} and {@link #cause()} are a {@link DeadlineExceededException}.
     * If the deadline has already passed, the child is returned already done with that exception
     * (unless the parent is done, whose err and cause then win). Cancelling the child before its
     * deadline releases the timer at once. Never blocks.
     *
     * @param parent the parent
     * @param deadline when the child is done at the latest
     * @return the child
     */
    static CancelContext withDeadline(Context parent, Instant deadline) {
        Objects.requireNonNull(deadline, "deadline");
        return CancelNode.create(parent, deadline, null);
    }

    /**
     * {@link #withDeadline}, with {@code cause} as the child's {@link #cause()} once its own
     * deadline passes. Go's {@code WithDeadlineCause}: {@link #err()} is still the {@link
     * DeadlineExceededException}, and {@code cause} says which deadline it was ("the upstream's
     * budget", say). A cancellation, or the parent's end, reports its own cause as usual. Never
     * blocks.
     *
     * @param parent the parent
     * @param deadline when the child is done at the latest
     * @param cause the cause when the deadline passes; null is the same as {@link #withDeadline}
     * @return the child
     */
    static CancelContext withDeadlineCause(Context parent, Instant deadline, Throwable cause) {
        Objects.requireNonNull(deadline, "deadline");
        return CancelNode.create(parent, deadline, cause);
    }

    /**
     * {@code withDeadline(parent, now + timeout)}, saturating at {@link Instant#MAX}. Go's {@code
     * WithTimeout}. A zero or negative timeout returns a context that is already done.
     *
     * @param parent the parent
     * @param timeout how long from now the child may live
     * @return the child
     */
    static CancelContext withTimeout(Context parent, Duration timeout) {
        return withDeadline(parent, Contexts.deadlineIn(timeout));
    }

    /**
     * {@code withDeadlineCause(parent, now + timeout, cause)}, saturating at {@link Instant#MAX}.
     * Go's {@code WithTimeoutCause}. Never blocks.
     *
     * @param parent the parent
     * @param timeout how long from now the child may live
     * @param cause the cause when the timeout passes; null is the same as {@link #withTimeout}
     * @return the child
     */
    static CancelContext withTimeoutCause(Context parent, Duration timeout, Throwable cause) {
        return withDeadlineCause(parent, Contexts.deadlineIn(timeout), cause);
    }

    /**
     * A child of {@code parent} that carries {@code value} under {@code key}, and otherwise
     * behaves exactly as {@code parent} (done when it is, same deadline, err and cause). Go's
     * {@code WithValue}. Lookups walk up the chain, and the nearest binding of a key wins.
     *
     * @param parent the parent
     * @param key the key; compared by identity
     * @param value the value; not null (an absent value is what {@link #value(Key)} reports as
     *     empty)
     * @param <T> the value's type
     * @return the child
     */
    static <T> Context withValue(Context parent, Key<T> key, T value) {
        return new Contexts.ValueContext(parent, key, value);
    }

    /**
     * A child of {@code parent} that keeps its values but is never done and has no deadline, even
     * when {@code parent} is done. Go's {@code WithoutCancel}: for work that must outlive the
     * request that started it (an audit write, a cleanup), still carrying its values.
     *
     * @param parent the parent
     * @return the child
     */
    static Context withoutCancel(Context parent) {
        return new Contexts.WithoutCancelContext(parent);
    }

    /**
     * When this context will be done by itself at the latest. Never blocks.
     *
     * @return the deadline, or empty if there is none
     */
    Optional<Instant> deadline();

    /**
     * Whether this context is done. Never blocks. Once true, always true; a true result
     * happens-after everything the canceller did before cancelling.
     *
     * @return true once this context is done
     */
    boolean isDone();

    /**
     * Blocks until this context is done: Go's {@code <-ctx.Done()}. Returns at once if it already
     * is (even if the calling thread is interrupted). Does not pin a virtual thread.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    void await() throws InterruptedException;

    /**
     * Blocks until this context is done or {@code timeout} has passed.
     *
     * @param timeout the longest to wait; zero or negative means just poll
     * @return true if the context is done, false if the timeout passed first
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * Why this context is done, or null while it is not: a {@link ContextCanceledException} or a
     * {@link DeadlineExceededException}. Never blocks. Once non-null, every call returns the same
     * instance.
     *
     * @return the reason, or null while not done
     */
    ContextDoneException err();

    /**
     * The cause of this context being done, or null while it is not. Go's {@code
     * context.Cause(ctx)}: the cause given to the {@link CancelContext#cancel(Throwable)} call
     * that cancelled it (or an ancestor), else {@link #err()}. Never blocks; stable once non-null.
     *
     * @return the cause, or null while not done
     */
    Throwable cause();

    /**
     * The value bound to {@code key} by the nearest {@link #withValue} on the way up to the root.
     * Never blocks.
     *
     * @param key the key
     * @param <T> the value's type
     * @return the value, or empty if no ancestor binds {@code key}
     */
    <T> Optional<T> value(Key<T> key);

    /**
     * Arranges for {@code f} to run once, on a new Weft virtual thread (role "afterfunc"), after
     * this context is done; if it already is, the thread is started at once. Go's {@code
     * context.AfterFunc}. Never blocks. Cancellation happens-before {@code f} starts.
     *
     * @param f what to run
     * @return a handle whose {@link AfterFunc#stop()} can prevent {@code f} from starting
     */
    AfterFunc afterFunc(Runnable f);

    /**
     * Throws {@link #err()} if this context is done, for loops that poll for cancellation
     * between steps. Never blocks.
     *
     * @throws ContextDoneException this context's {@link #err()}, if it is done
     */
    default void throwIfDone() {
        ContextDoneException err = err();
        if (err != null) {
            throw err;
        }
    }

    /** The handle returned by {@link #afterFunc(Runnable)}. */
    @FunctionalInterface
    interface AfterFunc {

        /**
         * Stops the function from being started. Never blocks, and never waits for a function
         * that has already started.
         *
         * @return true if this call stopped the function from ever starting; false if it has
         *     already been started or stop was already called
         */
        boolean stop();
    }

    /**
     * A key for {@link #withValue}. Keys compare by identity, so two keys with the same name are
     * different keys, and a key kept private to a class cannot collide with anyone else's (Go's
     * unexported key type idiom).
     *
     * @param <T> the type of the values bound to this key
     */
    final class Key<T> {
        private final String name;

        private Key(String name) {
            this.name = name;
        }

        /**
         * A new key, distinct from every other.
         *
         * @param name for {@link #toString()} and diagnostics only
         * @param <T> the type of the values bound to this key
         * @return the key
         */
        public static <T> Key<T> named(String name) {
            return new Key<>(Objects.requireNonNull(name, "name"));
        }

        /** The name given to {@link #named(String)}. */
        @Override
        public String toString() {
            return name;
        }
    }
}
