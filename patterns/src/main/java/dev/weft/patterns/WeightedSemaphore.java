package dev.weft.patterns;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code golang.org/x/sync/semaphore.Weighted}: a semaphore of {@code size} units whose
 * callers acquire and release any number of them at a time.
 *
 * <pre>{@code
 * WeightedSemaphore sem = new WeightedSemaphore(10);
 * sem.acquire(ctx, 3);          // blocks until 3 units are free or ctx is done
 * try {
 *     work();
 * } finally {
 *     sem.release(3);
 * }
 * }</pre>
 *
 * <p><b>Fairness</b> is strictly FIFO, as in Go: a request is granted only when it is at the front
 * of the queue and enough units are free, so a large request at the front is never starved by
 * smaller ones behind it (they wait even if they would fit). {@link #tryAcquire(long)} therefore
 * fails while anyone is waiting. A request for more than {@code size} can never succeed: it waits
 * until its context is done, without blocking the queue.
 *
 * <p><b>Memory visibility:</b> actions before a {@link #release(long)} happen-before a successful
 * acquire that uses any of the released units.
 */
public final class WeightedSemaphore {

    /** One queued request; {@link #granted} is guarded by the semaphore's lock. */
    private static final class Request {
        final long n;
        final Thread thread = Thread.currentThread();
        boolean granted;

        Request(long n) {
            this.n = n;
        }
    }

    private final long size;
    private final ReentrantLock lock = new ReentrantLock();

    /** Units held; guarded by {@link #lock}. Invariant: {@code 0 <= held <= size}. */
    private long held;

    /**
     * Waiting requests, oldest first; guarded by {@link #lock}. Invariant: never holds a granted
     * request, and its front does not fit ({@code size - held < front.n}) except transiently
     * inside a method that then calls {@link #grantWaitersLocked()}.
     */
    private final ArrayDeque<Request> waiters = new ArrayDeque<>();

    /**
     * Creates a semaphore: Go's {@code semaphore.NewWeighted(size)}.
     *
     * @param size the total number of units
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public WeightedSemaphore(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("negative size: " + size);
        }
        this.size = size;
    }

    /**
     * Acquires {@code n} units, blocking until they are granted in FIFO order or {@code ctx} is
     * done: Go's {@code Acquire}. Fails at once, acquiring nothing, if {@code ctx} is already done.
     * If {@code n > size} it waits until {@code ctx} is done and then fails. If {@code ctx} is done
     * at the same moment the units are granted, it gives them back and fails, as Go does.
     *
     * @param ctx the context
     * @param n the number of units; zero succeeds once nobody waits
     * @throws ContextDoneException {@code ctx.err()} if {@code ctx} is done before the units are
     *     acquired; nothing is held then
     * @throws InterruptedException if interrupted before or while waiting; nothing is held then
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void acquire(Context ctx, long n) throws InterruptedException {
        Objects.requireNonNull(ctx, "ctx");
        checkN(n);
        ctx.throwIfDone();
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        Request request;
        lock.lock();
        try {
            if (size - held >= n && waiters.isEmpty()) {
                held += n;
                return;
            }
            if (n > size) {
                request = null;
            } else {
                request = new Request(n);
                waiters.addLast(request);
            }
        } finally {
            lock.unlock();
        }
        if (request == null) {
            // Can never be satisfied; Go's `<-done; return ctx.Err()`.
            ctx.await();
            throw ctx.err();
        }
        awaitGrant(ctx, request);
    }

    private void awaitGrant(Context ctx, Request request) throws InterruptedException {
        Thread self = Thread.currentThread();
        Registration registration = Contexts.onDone(ctx, () -> LockSupport.unpark(self));
        try {
            boolean interrupted = false;
            while (true) {
                lock.lock();
                try {
                    if (request.granted) {
                        break;
                    }
                    if (ctx.isDone() || interrupted) {
                        boolean wasFront = waiters.peekFirst() == request;
                        waiters.remove(request);
                        // With the front gone, the requests behind it may now fit.
                        if (wasFront && size > held) {
                            grantWaitersLocked();
                        }
                        if (interrupted) {
                            throw new InterruptedException();
                        }
                        throw ctx.err();
                    }
                } finally {
                    lock.unlock();
                }
                LockSupport.park(this);
                interrupted = Thread.interrupted();
            }
            // Granted; but a done context wins, as in Go: give the units back.
            if (ctx.isDone()) {
                release(request.n);
                throw ctx.err();
            }
            if (interrupted) {
                self.interrupt();
            }
        } finally {
            registration.remove();
        }
    }

    /**
     * Acquires {@code n} units if they are free and nobody is waiting: Go's {@code TryAcquire}.
     * Never blocks beyond a short internal lock.
     *
     * @param n the number of units
     * @return true if acquired
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public boolean tryAcquire(long n) {
        checkN(n);
        lock.lock();
        try {
            if (size - held >= n && waiters.isEmpty()) {
                held += n;
                return true;
            }
            return false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Releases {@code n} units and grants waiting requests from the front of the queue while they
     * fit: Go's {@code Release}. Never blocks beyond a short internal lock.
     *
     * @param n the number of units
     * @throws IllegalStateException if more units would be released than are held (Go panics);
     *     nothing is released then
     * @throws IllegalArgumentException if {@code n} is negative
     */
    public void release(long n) {
        checkN(n);
        lock.lock();
        try {
            if (n > held) {
                throw new IllegalStateException("semaphore: released more than held (" + n + " > " + held + ")");
            }
            held -= n;
            grantWaitersLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Go's notifyWaiters: strictly from the front; stops at the first request that does not fit. */
    private void grantWaitersLocked() {
        for (Request front = waiters.peekFirst(); front != null; front = waiters.peekFirst()) {
            if (size - held < front.n) {
                // Not even smaller requests behind it may go: that is what keeps it from starving.
                return;
            }
            held += front.n;
            waiters.pollFirst();
            front.granted = true;
            LockSupport.unpark(front.thread);
        }
    }

    /**
     * Units currently held; a snapshot, for diagnostics.
     *
     * @return the units held
     */
    public long held() {
        lock.lock();
        try {
            return held;
        } finally {
            lock.unlock();
        }
    }

    /** Queued requests; for tests. */
    int waiting() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    private static void checkN(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative n: " + n);
        }
    }

    @Override
    public String toString() {
        return "WeightedSemaphore[size=" + size + ", held=" + held() + "]";
    }
}
