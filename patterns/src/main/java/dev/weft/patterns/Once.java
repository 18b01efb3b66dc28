package dev.weft.patterns;

import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code sync.Once}: runs an action exactly once, however many threads call {@link
 * #run(Runnable)}.
 *
 * <pre>{@code
 * private static final Once INIT = new Once();
 * static Database db() {
 *     INIT.run(() -> instance = connectToDatabase());
 *     return instance;
 * }
 * }</pre>
 *
 * <p>The first call runs its action in the calling thread; concurrent calls block (not
 * interruptibly, as in Go) until it finishes; later calls return at once without running theirs.
 *
 * <p><b>Failure</b> follows Go's {@code sync.OnceFunc} rather than {@code Once.Do}: if the action
 * throws, that call throws it, and so does every later call, with the same exception instance.
 * {@code Once.Do} would let later calls return normally, which in the example above hands out a
 * null database as if initialisation had succeeded.
 *
 * <p><b>Memory visibility:</b> everything the action did happens-before any call of {@link
 * #run(Runnable)} returns or throws, in any thread.
 */
public final class Once {

    /** Held by the thread running the action; the others queue on it, which is the blocking. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Written once, under the lock, after the action finished; read first without it. */
    private volatile boolean done;

    /** The action's failure, or null; written before {@link #done} and never again. */
    private Throwable failure;

    /** Creates a once whose action has not run. */
    public Once() {}

    /**
     * Runs {@code action} if no action has run on this once yet; otherwise waits for the first to
     * finish and returns (or rethrows its failure).
     *
     * @param action the action
     * @throws IllegalStateException if called from within the action itself (Go deadlocks)
     */
    public void run(Runnable action) {
        Objects.requireNonNull(action, "action");
        if (!done) {
            runSlow(action);
        }
        rethrow(failure);
    }

    private void runSlow(Runnable action) {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("Once.run called from within its own action");
        }
        lock.lock();
        try {
            if (!done) {
                try {
                    action.run();
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
     * Whether the action has finished (normally or not). Never blocks.
     *
     * @return true once the first action has finished
     */
    public boolean isDone() {
        return done;
    }

    private static void rethrow(Throwable failure) {
        if (failure == null) {
            return;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        // Runnable and Supplier cannot throw checked exceptions except by sneaky throws; keep the
        // instance anyway so every caller sees the same one.
        throw Once.<RuntimeException>sneaky(failure);
    }

    @SuppressWarnings("unchecked")
    private static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
