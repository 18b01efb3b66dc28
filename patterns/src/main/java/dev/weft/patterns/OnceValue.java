package dev.weft.patterns;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Go's {@code sync.OnceValue}: computes a value once, on first use, and returns that same value
 * to every caller.
 *
 * <pre>{@code
 * private static final OnceValue<Config> CONFIG = OnceValue.of(Config::load);
 * Config config = CONFIG.get();
 * }</pre>
 *
 * <p>The first {@link #get()} runs the supplier in the calling thread; concurrent callers block
 * (not interruptibly) until it finishes. If the supplier throws, every call, the first and all
 * later ones, throws that same exception instance and the supplier never runs again (Go's
 * panic semantics). The supplier may return null, which is then the value. The supplier is
 * dropped once it has run.
 *
 * <p><b>Memory visibility:</b> everything the supplier did happens-before every {@link #get()}
 * returns or throws.
 *
 * @param <T> the value's type
 */
public final class OnceValue<T> {

    private final ReentrantLock lock = new ReentrantLock();

    /** Null once it has run, so what it captured can be collected. Guarded by {@link #lock}. */
    private Supplier<? extends T> supplier;

    /** Written once, under the lock, after {@link #value} or {@link #failure}. */
    private volatile boolean done;

    private T value;
    private Throwable failure;

    private OnceValue(Supplier<? extends T> supplier) {
        this.supplier = supplier;
    }

    /**
     * Wraps {@code supplier}; it does not run until the first {@link #get()}.
     *
     * @param supplier computes the value
     * @param <T> the value's type
     * @return the once-value
     */
    public static <T> OnceValue<T> of(Supplier<? extends T> supplier) {
        return new OnceValue<>(Objects.requireNonNull(supplier, "supplier"));
    }

    /**
     * The value, computing it on the first call.
     *
     * @return the value the supplier returned
     * @throws IllegalStateException if called from within the supplier itself (Go deadlocks)
     */
    public T get() {
        if (!done) {
            compute();
        }
        Once.rethrow(failure);
        return value;
    }

    private void compute() {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("OnceValue.get called from within its own supplier");
        }
        lock.lock();
        try {
            if (!done) {
                Supplier<? extends T> s = supplier;
                supplier = null;
                try {
                    value = s.get();
                } catch (Throwable t) {
                    failure = t;
                }
                done = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the supplier has finished. Never blocks.
     *
     * @return true once computed (or failed)
     */
    public boolean isDone() {
        return done;
    }
}
