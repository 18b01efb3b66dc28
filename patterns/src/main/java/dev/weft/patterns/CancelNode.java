package dev.weft.patterns;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A node of the cancellation tree, what {@link Context#withCancel} and {@link
 * Context#withDeadline} return: Go's {@code cancelCtx} and {@code timerCtx} in one class, the only
 * context of this library that is ever done. ({@link CancelContext} is the public face: a context
 * you may cancel.)
 *
 * <p>Below a parent implemented outside this library, the node learns of the parent's end in two
 * ways: the parent's {@link Context#afterFunc} (on another thread, slightly later), and, sooner,
 * whenever this node is asked whether it is done, since it then asks the parent too.
 *
 * <p>Locking: one {@link ReentrantLock} per context guards the registrations, the parent
 * registration and the timer, and is the monitor for waiters. It is never held while running
 * callbacks, cancelling children, cancelling the timer or deregistering from the parent, so lock
 * order is never parent-then-child and a deep tree cannot deadlock.
 */
final class CancelNode extends AbstractContext implements CancelContext {

    /** Why and by what the context is done; immutable so err and cause are always seen together. */
    private record Done(ContextDoneException err, Throwable cause) {}

    private final Context parent;

    /** This context's own deadline; null when it has none or the parent's is not later. */
    private final Instant deadline;

    /** {@link #cause()} once the own deadline passes; null means the {@link DeadlineExceededException}. */
    private final Throwable deadlineCause;

    /** The parent is not one of this library's contexts, so its end may not have reached us yet. */
    private final boolean foreignParent;

    private final ReentrantLock lock = new ReentrantLock();

    /** Signalled once, when {@link #done} is set. */
    private final Condition doneSignal = lock.newCondition();

    /**
     * Null until done, then never changes. Written only under {@link #lock}, read without it: the
     * volatile write, which follows everything the canceller did, is what makes those actions
     * visible to every thread that reads a non-null value (the happens-before of the API).
     */
    private volatile Done done;

    /**
     * Callbacks to run when done: children's cancellations, afterFuncs, waiters' wake-ups, in the
     * order registered (an intrusive list: O(1) to add and remove, nothing to hash). Guarded by
     * {@link #lock}. Once done, the list is handed to the canceller and emptied. Invariant: while
     * not done it holds exactly the registrations not yet removed, so short-lived children of a
     * long-lived parent do not accumulate.
     */
    private Node first;
    private Node last;
    private int registered;

    /** This context's registration with its parent; guarded by {@link #lock}; null once done. */
    private Registration fromParent;

    /** The pending deadline task; guarded by {@link #lock}; null if none or once done. */
    private ScheduledFuture<?> timer;

    private CancelNode(Context parent, Instant deadline, Throwable deadlineCause) {
        this.parent = parent;
        this.deadline = deadline;
        this.deadlineCause = deadlineCause;
        this.foreignParent = !(parent instanceof AbstractContext);
    }

    /**
     * Creates the context, then wires it up. Wiring happens after construction because the parent
     * may be done already, and its callback then cancels the new context at once.
     */
    static CancelNode create(Context parent, Instant requestedDeadline, Throwable deadlineCause) {
        Objects.requireNonNull(parent, "parent");
        Instant own = requestedDeadline;
        if (own != null) {
            Optional<Instant> inherited = parent.deadline();
            if (inherited.isPresent() && !inherited.get().isAfter(own)) {
                // The parent is done no later than we would be: its deadline alone suffices (Go
                // returns WithCancel here), and deadline() reports the parent's.
                own = null;
            }
        }
        CancelNode context = new CancelNode(parent, own, deadlineCause);
        context.attach();
        if (own != null && !context.isDone()) {
            context.startTimer(own);
        }
        return context;
    }

    private void attach() {
        Registration registration = Contexts.onDone(parent, this::followParent);
        lock.lock();
        try {
            if (done == null) {
                fromParent = registration;
                return;
            }
        } finally {
            lock.unlock();
        }
        // Done already (by the parent at once, or a racing cancel): nothing to stay registered for.
        registration.remove();
    }

    /** Done as the parent is, with its err and cause. */
    private void followParent() {
        complete(Contexts.errOf(parent), Contexts.causeOf(parent));
    }

    private void startTimer(Instant at) {
        long delayNanos = Contexts.saturatedNanos(Duration.between(Instant.now(), at));
        if (delayNanos <= 0) {
            expire();
            return;
        }
        ScheduledFuture<?> scheduled = WeftThreads.schedule(this::expire, delayNanos);
        lock.lock();
        try {
            if (done == null) {
                timer = scheduled;
                return;
            }
        } finally {
            lock.unlock();
        }
        scheduled.cancel(false);
    }

    private void expire() {
        complete(new DeadlineExceededException(), deadlineCause);
    }

    @Override
    public void cancel() {
        complete(new ContextCanceledException(null), null);
    }

    @Override
    public void cancel(Throwable cause) {
        complete(new ContextCanceledException(cause), cause);
    }

    /**
     * Marks this context done (first call wins), wakes waiters, then, outside the lock, releases
     * the timer and the parent registration and runs every registered callback, which cancels
     * the children recursively in this thread.
     *
     * @param cause null means "same as err"
     */
    private void complete(ContextDoneException err, Throwable cause) {
        Node toRun;
        Registration parentRegistration;
        ScheduledFuture<?> pendingTimer;
        lock.lock();
        try {
            if (done != null) {
                return;
            }
            done = new Done(err, cause != null ? cause : err);
            toRun = first;
            first = null;
            last = null;
            registered = 0;
            parentRegistration = fromParent;
            fromParent = null;
            pendingTimer = timer;
            timer = null;
            doneSignal.signalAll();
        } finally {
            lock.unlock();
        }
        if (pendingTimer != null) {
            pendingTimer.cancel(false);
        }
        if (parentRegistration != null) {
            parentRegistration.remove();
        }
        if (toRun != null) {
            runAll(toRun);
        }
    }

    /**
     * Runs the detached list in one walk, each callback as it is reached: nobody touches its links
     * once done (see {@link Node#remove()}). One walk matters when thousands of waiters are
     * registered: each node is a cache miss, and copying the list first paid them twice.
     */
    private static void runAll(Node head) {
        Callbacks.runAll(walk(head), node -> node.callback.run());
    }

    /** The list from {@code head} as it is iterated, not a copy; only for a detached list. */
    private static Iterable<Node> walk(Node head) {
        return () -> new Iterator<>() {
            private Node next = head;

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public Node next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                Node node = next;
                next = node.next;
                return node;
            }
        };
    }

    @Override
    Registration onDone(Runnable callback) {
        Objects.requireNonNull(callback, "callback");
        lock.lock();
        try {
            if (done == null) {
                Node node = new Node(callback);
                node.prev = last;
                if (last == null) {
                    first = node;
                } else {
                    last.next = node;
                }
                last = node;
                registered++;
                return node;
            }
        } finally {
            lock.unlock();
        }
        callback.run();
        return () -> false;
    }

    /** How many callbacks (children included) are registered and not yet run or removed. */
    int registrationCount() {
        lock.lock();
        try {
            return registered;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Instant> deadline() {
        return deadline != null ? Optional.of(deadline) : parent.deadline();
    }

    /**
     * The done state, first catching up with a foreign parent that is done but whose afterFunc
     * has not reached us yet: so a thread that saw the parent done also sees this node done.
     */
    private Done poll() {
        Done d = done;
        if (d == null && foreignParent && parent.isDone()) {
            followParent();
            d = done;
        }
        return d;
    }

    @Override
    public boolean isDone() {
        return poll() != null;
    }

    @Override
    public void await() throws InterruptedException {
        if (poll() != null) {
            return;
        }
        lock.lockInterruptibly();
        try {
            while (done == null) {
                doneSignal.await();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        if (poll() != null) {
            return true;
        }
        long remaining = Contexts.saturatedNanos(timeout);
        if (remaining <= 0) {
            return false;
        }
        if (!lock.tryLock(remaining, TimeUnit.NANOSECONDS)) {
            return done != null;
        }
        try {
            while (done == null) {
                if (remaining <= 0) {
                    return false;
                }
                remaining = doneSignal.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ContextDoneException err() {
        Done d = poll();
        return d == null ? null : d.err();
    }

    @Override
    public Throwable cause() {
        Done d = poll();
        return d == null ? null : d.cause();
    }

    @Override
    Context valueParent() {
        return parent;
    }

    @Override
    public String toString() {
        return parent + (deadline != null ? ".withDeadline(" + deadline + ")" : ".withCancel");
    }

    /** One registration: a link of the list, and its own removal. */
    private final class Node implements Registration {
        final Runnable callback;

        /** Guarded by {@link #lock}; frozen once done. */
        Node prev;
        Node next;
        boolean removed;

        Node(Runnable callback) {
            this.callback = callback;
        }

        @Override
        public boolean remove() {
            if (done != null) {
                // Done: the list was handed to the canceller, so there is nothing to remove, and a
                // crowd of woken waiters deregistering at once must not queue on this lock.
                return false;
            }
            lock.lock();
            try {
                if (done != null || removed) {
                    return false;
                }
                removed = true;
                if (prev == null) {
                    first = next;
                } else {
                    prev.next = next;
                }
                if (next == null) {
                    last = prev;
                } else {
                    next.prev = prev;
                }
                prev = null;
                next = null;
                registered--;
                return true;
            } finally {
                lock.unlock();
            }
        }
    }
}
