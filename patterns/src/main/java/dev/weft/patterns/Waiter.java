package dev.weft.patterns;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocked channel operation or {@link Select}: Go's parked goroutine. It owns one {@link Node}
 * per channel it waits on (Go's {@code sudog}) and completes exactly once, by whichever of them is
 * claimed first.
 *
 * <p>The protocol, and why it cannot lose a wake-up or complete twice:
 *
 * <ul>
 *   <li>Nodes are enqueued only under their channel's lock, and a {@link Select} enqueues while
 *       holding the locks of all its channels; so a node is visible to another thread only once
 *       every node of its waiter is enqueued.
 *   <li>A channel operation (send, receive, close) that matches a queued node first writes the
 *       outcome into the node, then tries {@link #fire(Node)}. Only the first {@code fire} succeeds;
 *       a loser leaves the node's fields unread and simply drops it from its queue. The successful
 *       CAS publishes the fields written before it, so the owner, which reads {@link #fired} first,
 *       sees the outcome.
 *   <li>Context cancellation and interruption compete through the same CAS (with a context node or
 *       {@link #INTERRUPTED}). So an operation either completed (and the owner reports it, even if
 *       interrupted too, restoring the interrupt status) or was cancelled (and no channel counts it
 *       as done), never both.
 *   <li>The owner parks only while {@link #fired} is null; every successful {@code fire} is
 *       followed by an unpark, and a permit given before the park is not lost.
 * </ul>
 */
final class Waiter {

    /** The outcome of a waiter woken by interruption rather than by any case. */
    static final Node INTERRUPTED = new Node(null, null, -1, false, null);

    private static final VarHandle FIRED;

    static {
        try {
            FIRED = MethodHandles.lookup().findVarHandle(Waiter.class, "fired", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread thread = Thread.currentThread();

    /** Null while waiting; then, forever, the node that completed this waiter. Set only by CAS. */
    private volatile Node fired;

    /** Whether {@link #await} parked at least once; read by its own thread only. */
    private boolean parked;

    /**
     * Completes this waiter with {@code node} if nothing has completed it yet. Everything the
     * caller wrote before happens-before the owner reads the outcome.
     *
     * @return true if this call completed it; the caller must then {@link #wake()} it
     */
    boolean fire(Node node) {
        return FIRED.compareAndSet(this, null, node);
    }

    void wake() {
        LockSupport.unpark(thread);
    }

    /** Whether some node (or an interrupt) has completed this waiter; then its other nodes are stale. */
    boolean completed() {
        return fired != null;
    }

    /**
     * Parks until some node fires this waiter, a context in {@code contexts} is done (which fires
     * the matching node of {@code contextNodes}), or the thread is interrupted (which fires
     * {@link #INTERRUPTED}). Context registrations are removed before returning.
     *
     * @return the node that fired; {@link #INTERRUPTED} only if no other node fired first (if one
     *     did, the interrupt status is left set for the caller to see)
     */
    Node await(List<Context> contexts, List<Node> contextNodes) {
        return await(contexts, contextNodes, 0);
    }

    /**
     * As {@link #await(List, List)}, first checking {@code spins} times for a partner before
     * parking (a rendezvous wait; see {@link RendezvousSpin}). {@link #parked()} then tells
     * whether the spin was in vain.
     */
    Node await(List<Context> contexts, List<Node> contextNodes, int spins) {
        Registration[] registrations = null;
        if (!contexts.isEmpty()) {
            registrations = new Registration[contexts.size()];
            for (int i = 0; i < registrations.length; i++) {
                registrations[i] = Contexts.onDone(contexts.get(i), contextNodes.get(i));
            }
        }
        try {
            Node outcome;
            boolean interrupted = false;
            while ((outcome = fired) == null) {
                if (Thread.interrupted()) {
                    if (fire(INTERRUPTED)) {
                        return INTERRUPTED;
                    }
                    // Something completed us concurrently: report that, and keep the interrupt.
                    interrupted = true;
                    continue;
                }
                if (spins > 0) {
                    spins--;
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                LockSupport.park(this);
            }
            if (interrupted) {
                thread.interrupt();
            }
            return outcome;
        } finally {
            if (registrations != null) {
                for (Registration registration : registrations) {
                    registration.remove();
                }
            }
        }
    }

    /** Whether the last {@link #await} parked; for its own thread, after it returned. */
    boolean parked() {
        return parked;
    }

    /**
     * One wait of a {@link Waiter} on one channel (Go's {@code sudog}), or on a context. Queue
     * links and {@link #linked} are guarded by the channel's lock.
     *
     * <p>A context node is also the callback its context runs when done ({@link #run()}): one
     * object fewer per wait, and one pointer fewer for a cancel to follow to each of its waiters.
     */
    static final class Node implements Runnable {
        final Waiter waiter;

        /** Null for a context node and for {@link #INTERRUPTED}. */
        final Channel<?> channel;

        /** Which {@link Select} case this node stands for; 0 for a plain send or receive. */
        final int caseIndex;

        final boolean isSend;

        /**
         * For a send node, the value offered (set at creation, never changed). For a receive node,
         * the value delivered, written by the matching sender before it fires the waiter; null if
         * the node completed because the channel was closed.
         */
        Object item;

        /** Written before firing: the node completed because its channel was closed. */
        boolean closed;

        Node prev;
        Node next;

        /** Whether the node is in its channel's queue. */
        boolean linked;

        Node(Waiter waiter, Channel<?> channel, int caseIndex, boolean isSend, Object item) {
            this.waiter = waiter;
            this.channel = channel;
            this.caseIndex = caseIndex;
            this.isSend = isSend;
            this.item = item;
        }

        /** A context node's callback: completes its waiter with this node if nothing else has. */
        @Override
        public void run() {
            if (waiter.fire(this)) {
                waiter.wake();
            }
        }
    }

    /**
     * A FIFO of nodes, intrusive so that a cancelled waiter unlinks in O(1). Not thread-safe: every
     * method is called under the owning channel's lock.
     */
    static final class Queue {
        private Node head;
        private Node tail;
        private int size;

        void add(Node node) {
            node.prev = tail;
            node.next = null;
            if (tail == null) {
                head = node;
            } else {
                tail.next = node;
            }
            tail = node;
            node.linked = true;
            size++;
        }

        void unlink(Node node) {
            if (!node.linked) {
                return;
            }
            Node p = node.prev;
            Node n = node.next;
            if (p == null) {
                head = n;
            } else {
                p.next = n;
            }
            if (n == null) {
                tail = p;
            } else {
                n.prev = p;
            }
            node.prev = null;
            node.next = null;
            node.linked = false;
            size--;
        }

        Node peek() {
            return head;
        }

        /** Nodes queued, including ones whose waiter has already been completed elsewhere. */
        int size() {
            return size;
        }

        /** Nodes queued whose waiter still waits. */
        int waitingCount() {
            int n = 0;
            for (Node node = head; node != null; node = node.next) {
                if (!node.waiter.completed()) {
                    n++;
                }
            }
            return n;
        }

        /** Unlinks every node whose waiter was completed elsewhere (stale nodes). */
        void dropCompleted() {
            for (Node node = head; node != null; ) {
                Node next = node.next;
                if (node.waiter.completed()) {
                    unlink(node);
                }
                node = next;
            }
        }
    }
}
