package dev.weft.patterns;

/** A callback registered with {@link Contexts#onDone(Context, Runnable)}. */
@FunctionalInterface
interface Registration {

    /**
     * Deregisters the callback. Never waits for the callback if it is running.
     *
     * @return true if the callback had not run and now never will; false if it has already run
     *     (or is running) or was already removed
     */
    boolean remove();
}
