package dev.weft.patterns;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code sync.WaitGroup}: waits for a collection of tasks to finish.
 *
 * <pre>{@code
 * WaitGroup wg = new WaitGroup();
 * for (Item item : items) {
 *     wg.go(() -> process(item));   // Go 1.25's wg.Go: Add(1), go f(), Done()
 * }
 * wg.await();                        // wg.Wait()
 * }</pre>
 *
 * <p>A counter starts at zero; {@link #add(int)} changes it, {@link #done()} decrements it, and
 * {@link #await()} blocks until it is zero. As in Go, call {@code add} before starting the work it
 * counts (not inside it), and a group may be reused once {@code await} has returned.
 *
 * <p><b>Memory visibility:</b> everything a task did before its {@link #done()} happens-before
 * {@link #await()} returns (or {@link #await(Duration)} returns true) in any thread.
 */
public final class WaitGroup {

    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled (all) whenever {@link #count} reaches zero. */
    private final Condition zero = lock.newCondition();

    /** Outstanding tasks; guarded by {@link #lock}; never negative. */
    private long count;

    /** Creates a group with a counter of zero. */
    public WaitGroup() {}

    /**
     * Adds {@code delta}, which may be negative, to the counter; at zero, wakes every waiter. Never
     * blocks beyond a short internal lock.
     *
     * @param delta the change
     * @throws IllegalStateException if the counter would become negative (Go panics); the counter
     *     is then left unchanged
     */
    public void add(int delta) {
        lock.lock();
        try {
            long next = count + delta;
            if (next < 0) {
                throw new IllegalStateException("negative WaitGroup counter: " + count + " + " + delta);
            }
            count = next;
            if (next == 0) {
                zero.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decrements the counter by one: Go's {@code wg.Done()}.
     *
     * @throws IllegalStateException if the counter is already zero
     */
    public void done() {
        add(-1);
    }

    /**
     * Go 1.25's {@code wg.Go(f)}: adds one, runs {@code task} on a new Weft thread (role
     * "waitgroup"), and calls {@link #done()} when it returns or throws. An exception from {@code
     * task} still counts it done and then goes to the thread's uncaught-exception handler (Go would
     * crash the program; use {@code ErrGroup} to collect failures). Never blocks.
     *
     * @param task what to run
     * @return the started thread
     */
    public Thread go(Runnable task) {
        Objects.requireNonNull(task, "task");
        add(1);
        try {
            return WeftThreads.start("waitgroup", () -> {
                try {
                    task.run();
                } finally {
                    done();
                }
            });
        } catch (Throwable t) {
            done();
            throw t;
        }
    }

    /**
     * Blocks until the counter is zero: Go's {@code wg.Wait()}. Returns at once if it is.
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void await() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (count != 0) {
                zero.await();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until the counter is zero or {@code timeout} passes.
     *
     * @param timeout the longest to wait
     * @return true if the counter reached zero, false on timeout
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        long nanos = Contexts.saturatedNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (count != 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = zero.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The current counter; a snapshot, for diagnostics.
     *
     * @return the counter
     */
    public long count() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "WaitGroup[" + count() + "]";
    }
}
