package dev.weft.patterns;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
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
 * try (ErrGroup group = ErrGroup.withContext(ctx)) {
 *     for (String url : urls) {
 *         group.go(() -> fetch(group.context(), url));
 *     }
 *     group.await(); // throws ExecutionException wrapping the first failure
 * }                  // close(): if anything above threw, cancels and waits for every task
 * }</pre>
 *
 * <p><b>Closing.</b> A group is a scope, like {@code StructuredTaskScope}: {@link #close()}
 * cancels the context, interrupts the running tasks and waits, uninterruptibly, until every task
 * has finished, so no task outlives the {@code try} block whatever left it (a failure, an
 * interrupt while waiting for a slot). After a successful {@link #await()} it has nothing left to
 * do. Once closed, the group starts no more tasks.
 *
 * <p><b>Interruption.</b> {@link #go} and {@link #await()} throw {@link InterruptedException}
 * where they block: {@code go} while waiting for a slot under a limit, {@code await} while waiting
 * for the tasks. Neither cancels the group then; closing it does.
 *
 * <p>A group may be reused after {@link #await()} returns (but not after {@link #close()}); its
 * context stays cancelled, so it is meant for one job. All methods are thread-safe.
 *
 * <p><b>Memory visibility.</b> Actions before {@link #go} or a successful {@link #tryGo}
 * happen-before the task starts; everything a task does happens-before {@link #await()} and
 * {@link #close()} return.
 */
public final class ErrGroup implements AutoCloseable {

    private final CancelContext context;

    /*
     * The hot path (go, tryGo and a task's end, with no limit) takes no lock: on a few carrier
     * threads, a lock shared by the submitting thread and the finishing tasks is contended on
     * every task. The lock only orders the waits of go() (at the limit) and await().
     */

    /** Tasks admitted and not yet finished; never above a non-negative {@link #limit}. */
    private final AtomicInteger active = new AtomicInteger();

    /** Most tasks that may be active at once; negative means no limit. Changed only while none is active. */
    private volatile int limit = -1;

    /** Guards the waits below; a task's end signals under it, after its decrement of {@link #active}. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when {@link #active} drops: frees a slot for {@link #go} and may end {@link #await}. */
    private final Condition taskEnded = lock.newCondition();

    /** Threads currently running a task, to interrupt on the first failure. */
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    /** The first failure; set once, never replaced. */
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

    /**
     * Set once the running tasks are being interrupted (a failure, or close); a task that starts
     * afterwards interrupts itself. Set before the scan of {@link #running}.
     */
    private volatile boolean interrupting;

    /** Set by {@link #close()}; no task is admitted afterwards. */
    private volatile boolean closed;

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
     * running task finishes and frees a slot. Does not block, and ignores the interrupt status,
     * when a slot is free.
     *
     * @param task the task
     * @throws InterruptedException if interrupted while waiting for a slot (or on entry while the
     *     limit is reached); the task was not started and the group goes on
     * @throws IllegalStateException if the group is closed
     */
    public void go(Task task) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        if (!tryAdmit()) {
            lock.lockInterruptibly();
            try {
                while (!tryAdmit()) {
                    taskEnded.await();
                }
            } finally {
                lock.unlock();
            }
        }
        launch(task);
    }

    /**
     * Runs {@code task} on a new Weft virtual thread only if the limit allows it now. Never
     * blocks.
     *
     * @param task the task
     * @return true if the task was started; false if the limit is reached
     * @throws IllegalStateException if the group is closed
     */
    public boolean tryGo(Task task) {
        Objects.requireNonNull(task, "task");
        if (!tryAdmit()) {
            return false;
        }
        launch(task);
        return true;
    }

    /** Takes a slot if the limit allows it. */
    private boolean tryAdmit() {
        if (closed) {
            throw new IllegalStateException("ErrGroup is closed");
        }
        while (true) {
            int n = limit;
            int a = active.get();
            if (n >= 0 && a >= n) {
                return false;
            }
            if (active.compareAndSet(a, a + 1)) {
                // Re-read after the increment: either close() sees this slot taken and waits for
                // it, or this read sees closed (both volatile, so one comes first).
                if (closed) {
                    finished();
                    throw new IllegalStateException("ErrGroup is closed");
                }
                return true;
            }
        }
    }

    /**
     * Limits how many tasks may be active at once. Never blocks. Like Go's, it must not be called
     * concurrently with {@link #go} or {@link #tryGo}.
     *
     * @param n the limit; negative means none; zero means {@link #go} blocks until interrupted and
     *     {@link #tryGo} always fails
     * @throws IllegalStateException if any task is active
     */
    public void setLimit(int n) {
        lock.lock();
        try {
            int a = active.get();
            if (a != 0) {
                throw new IllegalStateException("setLimit while " + a + " task(s) are active; call it before go");
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
        lock.lockInterruptibly();
        try {
            while (active.get() > 0) {
                taskEnded.await();
            }
        } finally {
            lock.unlock();
        }
        Throwable failure = firstFailure.get();
        context.cancel(failure);
        if (failure != null) {
            throw new ExecutionException(failure);
        }
    }

    /**
     * Cancels {@link #context()}, interrupts every running task, and waits until all have
     * finished: {@code StructuredTaskScope.close()}. The wait is not interruptible: an interrupt
     * is remembered and the status restored on return, since returning early would leave tasks
     * running behind the scope. Failures are not reported here (that is {@link #await()}'s job).
     * Idempotent; after it, {@link #go} and {@link #tryGo} throw {@link IllegalStateException}.
     */
    @Override
    public void close() {
        closed = true;
        context.cancel();
        interruptRunning(null);
        boolean interrupted = false;
        lock.lock();
        try {
            while (active.get() > 0) {
                try {
                    taskEnded.await();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            lock.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void launch(Task task) {
        try {
            WeftThreads.start("errgroup", () -> run(task));
        } catch (Throwable t) {
            finished();
            throw t;
        }
    }

    private void run(Task task) {
        Thread self = Thread.currentThread();
        running.add(self);
        // Read after the add: either interruptRunning() sees this thread in running, or this read
        // sees its flag (both are volatile accesses, so one of them comes first).
        if (interrupting) {
            // Started after the group failed or closed: cancellation must reach its blocking calls too.
            self.interrupt();
        }
        try {
            task.run();
        } catch (Throwable failure) {
            fail(self, failure);
        } finally {
            running.remove(self);
            finished();
        }
    }

    private void fail(Thread self, Throwable failure) {
        if (!firstFailure.compareAndSet(null, failure)) {
            return;
        }
        context.cancel(failure);
        interruptRunning(self);
    }

    private void interruptRunning(Thread except) {
        interrupting = true;
        for (Thread t : running) {
            if (t != except) {
                t.interrupt();
            }
        }
    }

    private void finished() {
        int left = active.decrementAndGet();
        // Someone may wait for this: await() when none is left, go() when a limit is set. The
        // signal is taken under the lock, after the decrement, so a waiter that saw the old
        // count under the lock is already waiting when it comes.
        if (left == 0 || limit >= 0) {
            lock.lock();
            try {
                taskEnded.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** A task of the group: a {@link Runnable} that may throw. */
    @FunctionalInterface
    public interface Task {

        /**
         * Does the work.
         *
         * @throws Exception to fail the group; an {@link InterruptedException} or {@link
         *     java.util.concurrent.CancellationException} thrown because an earlier failure interrupted or cancelled
         *     this task is dropped like any later failure
         */
        void run() throws Exception;
    }
}
