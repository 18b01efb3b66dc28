package dev.weft.patterns;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * The one thread factory for every thread Weft starts: Go's {@code go f()}.
 *
 * <p>Every thread is a <em>virtual</em> thread named {@code weft-<role>-<n>}, where {@code n} is
 * one global, strictly increasing sequence (so names are unique across roles and tell the order
 * of creation). Every thread is counted as live from the moment it is created until its task
 * returns or throws, which is what lets tests assert that nothing leaked (see {@link
 * #liveThreads()}), the way Go's {@code goleak} does.
 *
 * <p>Uncaught exceptions go to the thread's default uncaught-exception handler, as for any
 * virtual thread; Weft's own primitives catch what their tasks throw and never rely on that.
 */
public final class WeftThreads {

    /** Source of the {@code <n>} in thread names; global so that names are unique across roles. */
    private static final AtomicLong SEQUENCE = new AtomicLong();

    /**
     * Threads created here whose task has not yet finished: a push-only list (one CAS to add),
     * each entry cleared by its own thread when the task ends, cleared entries unlinked in bulk
     * now and then. Invariant: an entry is added before its thread can possibly run (at
     * creation) and cleared in a {@code finally} of its task, so the list never misses a running
     * Weft thread and never reports a finished one. A concurrent set would cost every thread's
     * start and end a write to shared state contended by every carrier (measured: about a tenth
     * of starting a trivial virtual thread).
     */
    private static final Registry LIVE = new Registry();

    private WeftThreads() {}

    /**
     * Starts {@code task} on a new virtual thread named {@code weft-<role>-<n>}.
     *
     * <p>Does not block. Everything the caller did before this call happens-before {@code task}
     * begins (the guarantee of {@link Thread#start()}). The thread is counted by {@link
     * #liveCount()} before this method returns and until {@code task} has returned or thrown.
     *
     * @param role a short word naming what the thread is for ("errgroup", "afterfunc", ...)
     * @param task what the thread runs
     * @return the started thread
     * @throws NullPointerException if either argument is null
     */
    public static Thread start(String role, Runnable task) {
        return start(role, task, null);
    }

    /**
     * {@link #start(String, Runnable)}, handing the thread to {@code beforeStart} (if not null)
     * after it is counted and before it can run: for a group that must know its threads.
     */
    static Thread start(String role, Runnable task, Consumer<Thread> beforeStart) {
        Thread thread = newThread(role, task);
        try {
            if (beforeStart != null) {
                beforeStart.accept(thread);
            }
            thread.start();
        } catch (Throwable t) {
            // Never started, so its finally will never run: uncount it here.
            LIVE.clear(thread);
            throw t;
        }
        return thread;
    }

    /**
     * A factory of unstarted virtual threads with the same naming and counting as {@link
     * #start(String, Runnable)}, for executors and servers that start their own threads.
     *
     * <p>A thread is counted from the moment the factory creates it, because counting only once
     * it runs would leave a window in which a started thread is invisible to leak checks. So an
     * executor that creates a thread and then discards it unstarted (a {@link
     * java.util.concurrent.ThreadPoolExecutor} can, when it is shut down concurrently with a
     * submission) leaves that thread counted, and a leak check reports it by name.
     *
     * @param role a short word naming what the threads are for
     * @return a factory; thread-safe, and cheap to create
     * @throws NullPointerException if {@code role} is null
     */
    public static ThreadFactory factory(String role) {
        Objects.requireNonNull(role, "role");
        return task -> newThread(role, task);
    }

    /**
     * The number of Weft threads created and not yet finished. A snapshot: it may be stale by the
     * time it returns. Never blocks.
     *
     * @return the number of live Weft threads
     */
    public static int liveCount() {
        return LIVE.count();
    }

    /**
     * A snapshot of the Weft threads created and not yet finished, for leak checks and
     * diagnostics. Never blocks; the list is a copy and is not updated afterwards.
     *
     * @return the live Weft threads, in no particular order
     */
    public static List<Thread> liveThreads() {
        return LIVE.threads();
    }

    private static Thread newThread(String role, Runnable task) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(task, "task");
        long n = SEQUENCE.incrementAndGet();
        Registry.Entry entry = new Registry.Entry();
        Thread thread = Thread.ofVirtual().name("weft-" + role + "-" + n).unstarted(() -> {
            try {
                task.run();
            } finally {
                entry.thread = null;
            }
        });
        entry.thread = thread;
        LIVE.add(entry, n);
        return thread;
    }

    /** {@link #LIVE}'s list. Thread-safe; never blocks (unlinking is skipped when busy). */
    private static final class Registry {

        /** Fewest additions between two unlinking passes. */
        private static final long UNLINK_EVERY = 1024;

        private static final VarHandle HEAD;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(Registry.class, "head", Entry.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** One thread; {@link #thread} is null once its task has ended. */
        static final class Entry {
            volatile Thread thread;
            /** Written before the entry is published, or by the one unlinking pass. */
            volatile Entry next;
        }

        /** The newest entry; entries are only ever added here. */
        private volatile Entry head;

        /** Serialises unlinking passes, so only one thread ever rewrites a {@code next}. */
        private final ReentrantLock unlinking = new ReentrantLock();

        /** Guarded by {@link #unlinking}. */
        private long nextPassAt = UNLINK_EVERY;

        void add(Entry entry, long n) {
            Entry h;
            do {
                h = head;
                entry.next = h;
            } while (!HEAD.compareAndSet(this, h, entry));
            if (n >= nextPassAt && unlinking.tryLock()) {
                try {
                    // At most one pass per max(UNLINK_EVERY, live) additions: amortised O(1).
                    nextPassAt = n + Math.max(UNLINK_EVERY, unlinkCleared());
                } finally {
                    unlinking.unlock();
                }
            }
        }

        /**
         * Unlinks cleared entries behind the head (the head itself may be replaced concurrently,
         * so it stays; additions touch only {@link #head}). An unlinked entry keeps its {@code
         * next}, so a concurrent reader standing on it goes on walking.
         *
         * @return the entries left
         */
        private long unlinkCleared() {
            Entry kept = head;
            if (kept == null) {
                return 0;
            }
            long left = 1;
            for (Entry e = kept.next; e != null; e = e.next) {
                if (e.thread == null) {
                    kept.next = e.next;
                } else {
                    kept = e;
                    left++;
                }
            }
            return left;
        }

        void clear(Thread thread) {
            for (Entry e = head; e != null; e = e.next) {
                if (e.thread == thread) {
                    e.thread = null;
                    return;
                }
            }
        }

        int count() {
            int n = 0;
            for (Entry e = head; e != null; e = e.next) {
                if (e.thread != null) {
                    n++;
                }
            }
            return n;
        }

        List<Thread> threads() {
            List<Thread> threads = new ArrayList<>();
            for (Entry e = head; e != null; e = e.next) {
                Thread t = e.thread;
                if (t != null) {
                    threads.add(t);
                }
            }
            return List.copyOf(threads);
        }
    }

    /**
     * Runs {@code action} once after {@code delayNanos} on the shared timer thread. The action
     * must be short and must not block: it shares one thread with every other deadline in the
     * process. Cancelling the returned future removes the action from the timer's queue at once.
     */
    static ScheduledFuture<?> schedule(Runnable action, long delayNanos) {
        return Timer.EXECUTOR.schedule(action, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Actions waiting on the shared timer; for tests that check cancelled deadlines release it. */
    static int pendingTimerCount() {
        return Timer.EXECUTOR.getQueue().size();
    }

    /**
     * The shared timer, created on first use (class-holder idiom). It is one daemon platform
     * thread, like Go's runtime timer: infrastructure that outlives every user of it, and that
     * only ever runs Weft's own short actions (cancelling a context and its non-blocking
     * callbacks), never user code. That is why it is not counted by {@link #liveCount()}: it
     * cannot leak work, and counting it would make every leak check fail after the first
     * deadline in the process. It is a platform thread so that a deadline still fires when every
     * carrier thread is busy with virtual threads.
     */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(
                    1, task -> Thread.ofPlatform().name("weft-timer").daemon(true).unstarted(task));
            // Contexts cancelled before their deadline cancel their timer task; without this the
            // queue would hold every such task (and its context) until the deadline passed.
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            return executor;
        }
    }
}
