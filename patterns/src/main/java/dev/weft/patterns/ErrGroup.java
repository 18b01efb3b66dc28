package dev.weft.patterns;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
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
     * The hot path (go, tryGo and a task's end, under the limit or with none) takes no lock: on a
     * few carrier threads, a lock shared by the submitting thread and the finishing tasks is
     * contended on every task. At the limit, go() spins briefly for a slot (adaptively), then
     * admission is a semaphore hand-off: a blocked go() queues an Admission, and the task end
     * that frees a slot takes it for the oldest queued one and unparks exactly that thread,
     * outside the lock (no signalAll per finish, no herd).
     */

    /** Tasks admitted and not yet finished; never above a non-negative {@link #limit}. */
    private final AtomicInteger active = new AtomicInteger();

    /** Most tasks that may be active at once; negative means no limit. Changed only while none is active. */
    private volatile int limit = -1;

    /** How long go() watches for a slot at the limit before it queues and parks. */
    private final RendezvousSpin spin = new RendezvousSpin();

    /** Guards {@link #queue} and the wait of {@link #await()}. */
    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled when {@link #active} drops to zero: may end {@link #await} and {@link #close}. */
    private final Condition idle = lock.newCondition();

    /** Calls of go() waiting for a slot, oldest first; guarded by {@link #lock}. */
    private final ArrayDeque<Admission> queue = new ArrayDeque<>();

    /**
     * {@code queue.size()}, written under {@link #lock} and read without it by a finishing task.
     * A waiter publishes itself here before its last look at {@link #active}, and a finishing
     * task decrements {@link #active} before reading this (all sequentially consistent), so one
     * of the two always sees the other: no slot is freed unseen by a queued go().
     */
    private volatile int waiting;

    /**
     * The threads of the tasks, to interrupt on the first failure and on close: written by go()
     * only, never by a finishing task, so a task's end touches no shared set.
     */
    private final Started started = new Started();

    /** The first failure; set once, never replaced. */
    private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

    /**
     * Set once the running tasks are being interrupted (a failure, or close); a task that starts
     * afterwards interrupts itself. Set before the scan of {@link #started}.
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
     * running task finishes and frees a slot; blocked calls get slots in the order they blocked
     * (a {@link #tryGo}, or a {@code go} not yet queued, may take a freed slot first). Does not block,
     * and ignores the interrupt status, when a slot is free.
     *
     * @param task the task
     * @throws InterruptedException if interrupted while waiting for a slot (or on entry while the
     *     limit is reached); the task was not started and the group goes on
     * @throws IllegalStateException if the group is closed, or is closed while this call waits
     *     for a slot
     */
    public void go(Task task) throws InterruptedException {
        Objects.requireNonNull(task, "task");
        if (!tryAdmit() && !spinForSlot()) {
            awaitSlot();
        }
        launch(task);
    }

    /**
     * At the limit, first watches a little for a slot before parking: short tasks on the other
     * carriers free one within microseconds, and a park of this thread, with the carriers running
     * dry and being woken again, costs more than the spin (see {@link RendezvousSpin}, which
     * learns whether it pays off here too).
     */
    private boolean spinForSlot() {
        int spins = limit > 0 ? spin.spins() : 0;
        if (spins == 0) {
            return false;
        }
        for (int i = 0; i < spins; i++) {
            Thread.onSpinWait();
            if (active.get() < limit && tryAdmit()) {
                spin.record(false);
                return true;
            }
        }
        spin.record(true);
        return false;
    }

    /** Queues this call for a slot and parks until a finishing task hands it one. */
    private void awaitSlot() throws InterruptedException {
        Admission me = new Admission(Thread.currentThread());
        lock.lockInterruptibly();
        try {
            if (tryAdmit()) {
                return;
            }
            queue.addLast(me);
            waiting = queue.size();
            // The last look, after publishing `waiting`: a slot freed before that was not handed
            // to anybody, so take it here.
            boolean admitted;
            try {
                admitted = tryAdmit();
            } catch (IllegalStateException closedMeanwhile) {
                dequeue(me); // queued, nobody may grant it a slot that close() would wait for
                throw closedMeanwhile;
            }
            if (admitted) {
                dequeue(me);
                return;
            }
        } finally {
            lock.unlock();
        }
        while (!me.granted) {
            if (Thread.interrupted()) {
                leaveQueue(me);
                throw new InterruptedException();
            }
            if (closed) {
                leaveQueue(me);
                throw closedException();
            }
            LockSupport.park(this);
        }
        if (closed) {
            // Granted, but close() came first: give the slot back (it may go to the next waiter).
            finished();
            throw closedException();
        }
    }

    /** Gives up waiting; a slot granted meanwhile is given back, so nothing is lost. */
    private void leaveQueue(Admission me) {
        lock.lock();
        try {
            if (!me.granted) {
                dequeue(me);
                return;
            }
        } finally {
            lock.unlock();
        }
        finished();
    }

    /** Under {@link #lock}. */
    private void dequeue(Admission me) {
        queue.remove(me);
        waiting = queue.size();
    }

    /**
     * Hands free slots to the queued calls of go(), oldest first, each slot to exactly one; the
     * threads are unparked after the lock is released.
     */
    private void admitWaiters() {
        Admission first = null;
        List<Admission> more = null;
        lock.lock();
        try {
            for (Admission head = queue.peekFirst(); head != null && takeSlot(); head = queue.peekFirst()) {
                queue.pollFirst();
                head.granted = true;
                if (first == null) {
                    first = head;
                } else {
                    if (more == null) {
                        more = new ArrayList<>();
                    }
                    more.add(head);
                }
            }
            waiting = queue.size();
        } finally {
            lock.unlock();
        }
        if (first != null) {
            LockSupport.unpark(first.thread);
        }
        if (more != null) {
            for (Admission a : more) {
                LockSupport.unpark(a.thread);
            }
        }
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
            throw closedException();
        }
        if (!takeSlot()) {
            return false;
        }
        // Re-read after the increment: either close() sees this slot taken and waits for it, or
        // this read sees closed (both volatile, so one comes first).
        if (closed) {
            finished();
            throw closedException();
        }
        return true;
    }

    /** Increments {@link #active} unless that would pass the limit. */
    private boolean takeSlot() {
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

    private static IllegalStateException closedException() {
        return new IllegalStateException("ErrGroup is closed");
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
        } finally {
            lock.unlock();
        }
        // Calls of go() blocked under the old limit may fit under the new one.
        admitWaiters();
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
                idle.await();
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
        wakeWaiters();
        boolean interrupted = false;
        lock.lock();
        try {
            while (active.get() > 0) {
                try {
                    idle.await();
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
            WeftThreads.start("errgroup", () -> run(task), started::add);
        } catch (Throwable t) {
            finished();
            throw t;
        }
    }

    private void run(Task task) {
        Thread self = Thread.currentThread();
        // The thread was added to `started` before it started; so either interruptRunning() sees
        // it there, or this read sees its flag (both ordered by volatile accesses).
        if (interrupting) {
            // Started after the group failed or closed: cancellation must reach its blocking calls too.
            self.interrupt();
        }
        try {
            task.run();
        } catch (Throwable failure) {
            fail(self, failure);
        } finally {
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
        started.interruptAll(except);
    }

    /** Lets the calls of go() blocked for a slot see that the group is closed. */
    private void wakeWaiters() {
        List<Thread> threads = new ArrayList<>();
        lock.lock();
        try {
            for (Admission a : queue) {
                threads.add(a.thread);
            }
        } finally {
            lock.unlock();
        }
        threads.forEach(LockSupport::unpark);
    }

    /** A task's slot is free: hand it to a blocked go(), or, if the last, wake await(). */
    private void finished() {
        int left = active.decrementAndGet();
        if (waiting > 0) {
            admitWaiters();
        }
        if (left == 0) {
            // Under the lock, after the decrement: an await() that saw the old count under the
            // lock is already waiting when the signal comes.
            lock.lock();
            try {
                idle.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The threads started by go(), appended before each starts. Finished threads are dropped
     * when the array fills (amortised O(1) per task), so a long-lived group holds at most about
     * twice as many as are running. Its own lock is taken by go() and by the rare interrupting
     * scan, never by a finishing task.
     */
    private static final class Started {
        private final ReentrantLock lock = new ReentrantLock();
        private Thread[] threads = new Thread[16];
        private int count;

        void add(Thread thread) {
            lock.lock();
            try {
                if (count == threads.length) {
                    dropFinished();
                    if (count > threads.length / 2) {
                        threads = Arrays.copyOf(threads, threads.length * 2);
                    }
                }
                threads[count++] = thread;
            } finally {
                lock.unlock();
            }
        }

        /** TERMINATED, not !isAlive(): a thread added but not yet started must stay. */
        private void dropFinished() {
            int kept = 0;
            for (int i = 0; i < count; i++) {
                Thread t = threads[i];
                if (t.getState() != Thread.State.TERMINATED) {
                    threads[kept++] = t;
                }
            }
            Arrays.fill(threads, kept, count, null);
            count = kept;
        }

        void interruptAll(Thread except) {
            lock.lock();
            try {
                for (int i = 0; i < count; i++) {
                    Thread t = threads[i];
                    if (t != except && t.getState() != Thread.State.TERMINATED) {
                        t.interrupt();
                    }
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /** A call of go() waiting for a slot. */
    private static final class Admission {
        final Thread thread;

        /** Set under {@link #lock} when a slot was taken for this call; it then owns the slot. */
        volatile boolean granted;

        Admission(Thread thread) {
            this.thread = thread;
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
