package dev.weft.patterns;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/** What every context of this library shares: the fast done-hook, afterFunc and value lookup. */
abstract sealed class AbstractContext implements Context
        permits Contexts.BackgroundContext, Contexts.ValueContext, Contexts.WithoutCancelContext,
                CancelNode {

    /** Marks "this context binds no such key" apart from any value (values are never null). */
    static final Object NO_VALUE = new Object();

    /**
     * Registers {@code callback} to run once this context is done; see {@link
     * Contexts#onDone(Context, Runnable)} for the contract.
     */
    abstract Registration onDone(Runnable callback);

    /** The value this context itself binds to {@code key}, or {@link #NO_VALUE}. */
    Object ownValue(Context.Key<?> key) {
        return NO_VALUE;
    }

    /** Where value lookup continues, or null at the root. */
    abstract Context valueParent();

    /**
     * Walks up iteratively rather than recursively, so a long chain of {@code withValue} (one per
     * request-scoped value, per layer) can never overflow the stack.
     */
    @Override
    public final <T> Optional<T> value(Context.Key<T> key) {
        Objects.requireNonNull(key, "key");
        Context context = this;
        while (context instanceof AbstractContext own) {
            Object value = own.ownValue(key);
            if (value != NO_VALUE) {
                @SuppressWarnings("unchecked") // withValue only binds a Key<T> to a T
                T typed = (T) value;
                return Optional.of(typed);
            }
            context = own.valueParent();
            if (context == null) {
                return Optional.empty();
            }
        }
        return context.value(key);
    }

    @Override
    public final AfterFunc afterFunc(Runnable f) {
        Objects.requireNonNull(f, "f");
        // Whoever flips this first decides: the done-callback (start f) or stop() (never start it).
        AtomicBoolean claimed = new AtomicBoolean();
        Registration registration = onDone(() -> {
            if (claimed.compareAndSet(false, true)) {
                WeftThreads.start("afterfunc", f);
            }
        });
        return () -> {
            if (!claimed.compareAndSet(false, true)) {
                return false;
            }
            registration.remove();
            return true;
        };
    }
}
