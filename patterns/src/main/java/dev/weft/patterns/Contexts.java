package dev.weft.patterns;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The package's done-hook, and the contexts that never cancel by themselves. */
final class Contexts {

    static final Context BACKGROUND = new BackgroundContext();

    /** Never counted down: what waiting on a context that can never be done blocks on. */
    private static final CountDownLatch NEVER = new CountDownLatch(1);

    /** Returned for contexts that can never be done: there is nothing to remember. */
    private static final Registration NEVER_RUNS = () -> true;

    private Contexts() {}

    /**
     * Runs {@code callback} once {@code context} is done: for this library's contexts,
     * synchronously in the thread that cancels it (the timer thread for a deadline), after the
     * context reports done and before {@code cancel()} returns; or at once, in the calling thread,
     * if it is already done. The fast hook for channels, select and semaphores to wake a blocked
     * waiter without a thread per wait.
     *
     * <p>The callback must not block and should be short: it runs inside somebody else's {@code
     * cancel()}, possibly on the one shared timer thread, and while it runs no other callback of
     * the same cancellation does. If it throws, the remaining callbacks still run and the first
     * exception is rethrown from {@code cancel()} afterwards.
     *
     * <p>For a context implemented outside this library, the callback runs at once, in the calling
     * thread, if the context already reports done; otherwise it is passed to its {@link
     * Context#afterFunc(Runnable)} and so runs on another thread (one virtual thread per
     * cancellation, started by that context).
     *
     * <p>Memory visibility: the cancellation happens-before the callback runs.
     *
     * @return a registration whose {@link Registration#remove()} deregisters the callback; remove
     *     it once the wait it serves is over, or a long-lived context keeps it
     */
    static Registration onDone(Context context, Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        if (context instanceof AbstractContext own) {
            return own.onDone(callback);
        }
        if (context.isDone()) {
            callback.run();
            return () -> false;
        }
        Context.AfterFunc afterFunc = context.afterFunc(callback);
        return afterFunc::stop;
    }

    /** Go's {@code context.Cause} for any context, own or foreign: never null once done. */
    static Throwable causeOf(Context done) {
        Throwable cause = done.cause();
        return cause != null ? cause : errOf(done);
    }

    /**
     * {@code done.err()}, for a context that says it is done; a foreign one that reports done
     * with no err counts as cancelled, so that a child never reports done without a reason.
     */
    static ContextDoneException errOf(Context done) {
        ContextDoneException err = done.err();
        return err != null ? err : new ContextCanceledException(null);
    }

    private static boolean awaitNever(Duration timeout) throws InterruptedException {
        return NEVER.await(Math.max(0, saturatedNanos(timeout)), TimeUnit.NANOSECONDS);
    }

    /** Now plus {@code timeout}, saturating at {@link Instant#MIN} and {@link Instant#MAX}. */
    static Instant deadlineIn(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return Instant.now().plus(timeout);
        } catch (ArithmeticException | java.time.DateTimeException overflow) {
            return timeout.isNegative() ? Instant.MIN : Instant.MAX;
        }
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException overflow) {
            return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Go's {@code emptyCtx}. */
    static final class BackgroundContext extends AbstractContext {
        @Override public Optional<Instant> deadline() { return Optional.empty(); }
        @Override public boolean isDone() { return false; }
        @Override public void await() throws InterruptedException { NEVER.await(); }
        @Override public boolean await(Duration timeout) throws InterruptedException { return awaitNever(timeout); }
        @Override public ContextDoneException err() { return null; }
        @Override public Throwable cause() { return null; }
        @Override Registration onDone(Runnable callback) { return NEVER_RUNS; }
        @Override Context valueParent() { return null; }
        @Override public String toString() { return "Background"; }
    }

    /** Go's {@code valueCtx}: one binding, everything else delegated to the parent. */
    static final class ValueContext extends AbstractContext {
        private final Context parent;
        private final Context.Key<?> key;
        private final Object value;

        <T> ValueContext(Context parent, Context.Key<T> key, T value) {
            this.parent = Objects.requireNonNull(parent, "parent");
            this.key = Objects.requireNonNull(key, "key");
            this.value = Objects.requireNonNull(value, "value");
        }

        @Override public Optional<Instant> deadline() { return parent.deadline(); }
        @Override public boolean isDone() { return parent.isDone(); }
        @Override public void await() throws InterruptedException { parent.await(); }
        @Override public boolean await(Duration timeout) throws InterruptedException { return parent.await(timeout); }
        @Override public ContextDoneException err() { return parent.err(); }
        @Override public Throwable cause() { return parent.cause(); }
        @Override Object ownValue(Context.Key<?> key) { return key == this.key ? value : NO_VALUE; }
        @Override Context valueParent() { return parent; }

        /** Registers with the nearest cancellable ancestor directly, as Go's parentCancelCtx does. */
        @Override Registration onDone(Runnable callback) { return Contexts.onDone(parent, callback); }

        @Override public String toString() { return parent + ".withValue(" + key + ")"; }
    }

    /** Go's {@code withoutCancelCtx}: the parent's values, nothing of its lifetime. */
    static final class WithoutCancelContext extends AbstractContext {
        private final Context parent;

        WithoutCancelContext(Context parent) {
            this.parent = Objects.requireNonNull(parent, "parent");
        }

        @Override public Optional<Instant> deadline() { return Optional.empty(); }
        @Override public boolean isDone() { return false; }
        @Override public void await() throws InterruptedException { NEVER.await(); }
        @Override public boolean await(Duration timeout) throws InterruptedException { return awaitNever(timeout); }
        @Override public ContextDoneException err() { return null; }
        @Override public Throwable cause() { return null; }
        @Override Registration onDone(Runnable callback) { return NEVER_RUNS; }
        @Override Context valueParent() { return parent; }
        @Override public String toString() { return parent + ".withoutCancel"; }
    }
}
