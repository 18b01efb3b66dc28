package dev.weft.patterns;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A group of tasks working on subtasks of one common job: Go's {@code x/sync/errgroup.Group}.
 *
 * <p>Each task runs on its own Weft virtual thread (role "errgroup"). The first task to fail, by
 * throwing anything, has its exception recorded; later failures are dropped. That first failure
 * cancels the group's {@link #context()} with the exception as its {@linkplain Context#cause()
 * cause}, and, because Java code blocks in interruptible calls where Go code would select on
 * {@code ctx.Done()}, it also interrupts the threads of the other running tasks, and of any task
 * started afterwards. {@link #await()} waits for every task, then cancels the context (also on
 * success, as Go's {@code Wait} does) and reports the first failure.
 *
 * <pre>{@code
 * ErrGroup group = ErrGroup.withContext(ctx);
 * for (String url : urls) {
 *     group.go(() -> fetch(group.context(), url));
 * }
 * group.await(); // throws ExecutionException wrapping the first failure
 * }</pre>
 *
 * <p>A group may be reused after {@link #await()} returns, but its context stays cancelled, so it
 * is meant for one job. All methods are thread-safe.
 *
 * <p><b>Memory visibility.</b> Actions before {@link #go} or a successful {@link #tryGo}
 * happen-before the task starts; everything a task does happens-before {@link #await()} returns.
 */
public final class ErrGroup {

    private final CancelContext context;

    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when {@link #active} drops: frees a slot for {@link #go} and may end {@link #await}. */
    private final Condition taskEnded = lock.newCondition();

    /** Tasks admitted and not yet finished. Guarded by {@link #lock}; never above a non-negative {@link #limit}. */
    private int active;

    /** Most tasks that may be active at once; negative means no limit. Guarded by {@link #lock}. */
    private int limit = -1;

    /** Threads currently running a task, to interrupt on the first failure. Guarded by {@link #lock}. */
    private final Set<Thread> running = new HashSet<>();

    /** The first failure; set once, never replaced. Guarded by {@link #lock}. */
    private Throwable firstFailure;

    /** A group without a parent context: its {@link #context()} derives from {@link Context#background()}. */
    public ErrGroup() {
        this(Context.background());
    }

    private ErrGroup(Context parent) {
        this.context = Context.withCancel(parent);
    }

    /**
     * A group whose {@link #context()} is a child of {@code parent}: Go's {@code
     * errgroup.WithContext}. Pass that context to the tasks.
     *
     * @param parent the parent context
     * @return the group
     */
    public static ErrGroup withContext(Context parent) {
        return new ErrGroup(Objects.requireNonNull(parent, "parent"));
    }

    /**
     * The group's context: cancelled by the first failure (cause: that failure), by {@link
     * #await()} returning, or by its parent.
     *
     * @return the derived context
     */
    public Context context() {
        return context;
    }

    /**
     * Runs {@code task} on a new Weft virtual thread. If the limit is reached, blocks until a
     * running task finishes and frees a slot.
     *
     * <p>Interruption: {@code go} keeps Go's signature, which cannot report interruption as a
     * checked exception. If the calling thread is interrupted while waiting for a slot (or is
     * interrupted on entry while the limit is reached), the task is not started, the interrupt
     * flag is restored, and a {@link CancellationException} is thrown whose cause is the {@link
     * InterruptedException}.
     *
     * @param task the task
     * @throws CancellationException if interrupted while waiting for a slot
     */
    public void go(Task task) {
        Objects.requireNonNull(task, "task");
        lock.lock();
        try {
            while (limit >= 0 && active >= limit) {
                taskEnded.await();
            }
            active++;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            CancellationException cancelled =
                    new CancellationException("interrupted while waiting for an ErrGroup slot");
            cancelled.initCause(e);
            throw cancelled;
        } finally {
            lock.unlock();
        }
        launch(task);
    }

    /**
     * Runs {@code task} on a new Weft virtual thread only if the limit allows it now. Never
     * blocks (beyond a short internal lock).
     *
     * @param task the task
     * @return true if the task was started; false if the limit is reached
     */
    public boolean tryGo(Task task) {
        Objects.requireNonNull(task, "task");
        lock.lock();
        try {
            if (limit >= 0 && active >= limit) {
                return false;
            }
            active++;
        } finally {
            lock.unlock();
        }
        launch(task);
        return true;
    }

    /**
     * Limits how many tasks may be active at once. Never blocks.
     *
     * @param n the limit; negative means none; zero means {@link #go} blocks until interrupted and
     *     {@link #tryGo} always fails
     * @throws IllegalStateException if any task is active
     */
    public void setLimit(int n) {
        lock.lock();
        try {
            if (active != 0) {
                throw new IllegalStateException(
                        "setLimit while " + active + " task(s) are active; call it before go");
            }
            limit = n;
            // Waiters in go() re-check the new limit.
            taskEnded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Blocks until every task started so far has finished, then cancels {@link #context()}: Go's
     * {@code Wait}. If the calling thread is interrupted while waiting, the tasks keep running
     * and the context is not cancelled.
     *
     * @throws InterruptedException if interrupted while waiting
     * @throws ExecutionException if any task failed; its cause is the first failure
     */
    public void await() throws InterruptedException, ExecutionException {
        Throwable failure;
        lock.lockInterruptibly();
        try {
            while (active > 0) {
                taskEnded.await();
            }
            failure = firstFailure;
        } finally {
            lock.unlock();
        }
        context.cancel(failure);
        if (failure != null) {
            throw new ExecutionException(failure);
        }
    }

    private void launch(Task task) {
        try {
            WeftThreads.start("errgroup", () -> run(task));
        } catch (Throwable t) {
            finished(Thread.currentThread(), false);
            throw t;
        }
    }

    private void run(Task task) {
        Thread self = Thread.currentThread();
        lock.lock();
        try {
            running.add(self);
            if (firstFailure != null) {
                // Started after the group failed: cancellation must reach its blocking calls too.
                self.interrupt();
            }
        } finally {
            lock.unlock();
        }
        try {
            task.run();
        } catch (Throwable failure) {
            fail(self, failure);
        } finally {
            finished(self, true);
        }
    }

    private void fail(Thread self, Throwable failure) {
        List<Thread> toInterrupt;
        lock.lock();
        try {
            if (firstFailure != null) {
                return;
            }
            firstFailure = failure;
            toInterrupt = running.stream().filter(t -> t != self).toList();
        } finally {
            lock.unlock();
        }
        context.cancel(failure);
        toInterrupt.forEach(Thread::interrupt);
    }

    private void finished(Thread self, boolean wasRunning) {
        lock.lock();
        try {
            if (wasRunning) {
                running.remove(self);
            }
            active--;
            taskEnded.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** A task of the group: a {@link Runnable} that may throw. */
    @FunctionalInterface
    public interface Task {

        /**
         * Does the work.
         *
         * @throws Exception to fail the group; an {@link InterruptedException} or {@link
         *     CancellationException} thrown because an earlier failure interrupted or cancelled
         *     this task is dropped like any later failure
         */
        void run() throws Exception;
    }
}
