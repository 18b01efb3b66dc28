package dev.weft.patterns;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
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
        if (!tryAdmit()) {
            lock.lock();
            try {
                while (!tryAdmit()) {
                    taskEnded.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                CancellationException cancelled =
                        new CancellationException("interrupted while waiting for an ErrGroup slot");
                cancelled.initCause(e);
                throw cancelled;
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
        while (true) {
            int n = limit;
            int a = active.get();
            if (n >= 0 && a >= n) {
                return false;
            }
            if (active.compareAndSet(a, a + 1)) {
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
        // Read after the add: either fail() sees this thread in running, or this read sees its
        // failure (both are volatile accesses, so one of them comes first).
        if (firstFailure.get() != null) {
            // Started after the group failed: cancellation must reach its blocking calls too.
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
        for (Thread t : running) {
            if (t != self) {
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
         *     CancellationException} thrown because an earlier failure interrupted or cancelled
         *     this task is dropped like any later failure
         */
        void run() throws Exception;
    }
}
