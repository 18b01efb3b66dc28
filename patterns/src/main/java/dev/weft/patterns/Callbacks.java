package dev.weft.patterns;

import java.util.function.Consumer;

/** Runs every callback of a set even when some throw, as Go's context and signal code does. */
final class Callbacks {

    private Callbacks() {
    }

    /**
     * Calls {@code call} on every element, in iteration order, on the calling thread. A callback
     * that throws does not stop the others: the first failure is rethrown once all have run, with
     * the later ones suppressed in it.
     */
    static <T> void runAll(Iterable<T> callbacks, Consumer<? super T> call) {
        RuntimeException first = null;
        for (T callback : callbacks) {
            try {
                call.accept(callback);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
