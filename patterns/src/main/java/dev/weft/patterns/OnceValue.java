package dev.weft.patterns;

import java.util.Objects;
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
 * dropped once it has run. Built on {@link Once}, as Go's is on {@code sync.Once}.
 *
 * <p><b>Memory visibility:</b> everything the supplier did happens-before every {@link #get()}
 * returns or throws.
 *
 * @param <T> the value's type
 */
public final class OnceValue<T> {

    /** Runs the computation once; its failure handling and happens-before edge are this class's. */
    private final Once once = new Once();

    /** Null once it has run, so what it captured can be collected. Written only inside {@link #once}. */
    private Supplier<? extends T> supplier;

    /** Written inside {@link #once}, so visible to every caller once {@code once.run} returns. */
    private T value;

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
        once.run(this::compute);
        return value;
    }

    private void compute() {
        Supplier<? extends T> s = supplier;
        supplier = null;
        value = s.get();
    }

    /**
     * Whether the supplier has finished. Never blocks.
     *
     * @return true once computed (or failed)
     */
    public boolean isDone() {
        return once.isDone();
    }
}
