package dev.weft.patterns;

import dev.weft.patterns.Waiter.Node;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Go's {@code chan T}: a typed conduit between threads, unbuffered (a rendezvous) or buffered (a
 * bounded FIFO), that can be closed by its sender.
 *
 * <pre>{@code
 * Channel<Integer> ch = Channel.buffered(16);
 * WeftThreads.start("producer", () -> {
 *     try {
 *         for (int i = 0; i < 10; i++) ch.send(i);
 *     } catch (InterruptedException e) {
 *         Thread.currentThread().interrupt();
 *     } finally {
 *         ch.close();                   // defer close(ch)
 *     }
 * });
 * for (int v : ch) System.out.println(v); // for v := range ch
 * }</pre>
 *
 * <p><b>Semantics.</b> An unbuffered channel ({@code capacity == 0}) hands each value directly from
 * a sender to a receiver: {@link #send} returns only once a receiver has taken the value. A
 * buffered channel accepts up to {@link #cap()} values without a receiver; {@link #send} blocks
 * only while the buffer is full. Values are received in the order their sends completed, and
 * blocked senders and receivers are served first-come first-served. {@link #close()} marks the end
 * of the stream: it wakes every blocked receiver and sender; receivers then drain what is buffered
 * and afterwards see "closed" ({@link #receive()} throws {@link ChannelClosedException}, {@link
 * #receiveOrClosed()} returns {@link Received#closed()}, iteration ends); blocked and later senders
 * throw {@link ChannelClosedException}, and so does a second {@code close()}. Null values are
 * rejected: "closed" is never confused with a value.
 *
 * <p><b>Blocking and cancellation.</b> Blocking methods park the calling thread (virtual threads
 * unmount). On an unbuffered channel, with more than one processor, a blocked operation may first
 * check for its partner a bounded number of times (a few microseconds at most), since a
 * rendezvous often completes sooner than a park and unpark; the channel adapts that spin to how
 * often it pays off, down to none when partners are rarely running. Nothing spins beyond that,
 * and waits on a buffered channel park at once. They are interruptible: a thread interrupted before or while blocked
 * throws {@link InterruptedException}, and the operation did not happen. The {@link Context}
 * variants also give up, throwing the context's {@link Context#err()}, once it is done; if it is
 * done on entry they fail at once even when the operation could complete (deterministic, unlike a
 * Go {@code select} between the channel and {@code ctx.Done()}). If a wait completes and is
 * cancelled at the same moment, the completion wins: the method returns normally (an interrupt is
 * then left set), so a value is never both delivered and reported as not delivered.
 *
 * <p><b>Memory visibility</b> (Go's memory model). A send happens-before the receive that takes
 * its value completes. For an unbuffered channel, that receive also happens-before the send
 * returns. The k-th receive on a channel of capacity C happens-before the (k+C)-th send completes.
 * {@code close()} happens-before a receive that reports "closed" and before a sender's {@link
 * ChannelClosedException}.
 *
 * <p><b>Direction.</b> A channel is both its ends, {@link SendChannel} and {@link ReceiveChannel}.
 * Hand out {@link #receiveOnly()} to consumers and {@link #sendOnly()} to producers when the
 * other end is not theirs (Go's {@code <-chan T} and {@code chan<- T}): a consumer then cannot
 * close a stream it does not own.
 *
 * <p>All methods are thread-safe. A channel has one lock; {@link Select} takes the locks of all
 * its channels in a global order, so no combination of channel operations can deadlock.
 *
 * @param <T> the element type
 */
public final class Channel<T> implements ReceiveChannel<T>, SendChannel<T> {

    /** Returned by {@link #receiveLocked()} for "closed and drained". */
    static final Object CLOSED = new Object();

    private static final AtomicLong IDS = new AtomicLong();

    /** The global lock order for {@link Select}: channels are locked in increasing id. */
    final long id = IDS.incrementAndGet();

    /** Guards everything below that is not final. */
    final ReentrantLock lock = new ReentrantLock();

    /**
     * Ring buffer; length {@code capacity}, empty array when unbuffered. Slots outside
     * {@code [head, head + count)} are null so the channel keeps no dead values reachable.
     */
    private final Object[] buffer;

    private int head;
    private int count;

    /** How long a blocked operation spins before parking; null for a buffered channel. */
    private final RendezvousSpin spin;

    /**
     * Set once, under {@link #lock}; volatile only so {@link #isClosed()} can read it unlocked.
     * Invariant: once closed, both wait queues are empty and stay empty (close fires every queued
     * node, and nobody enqueues on a closed channel).
     */
    private volatile boolean closed;

    /**
     * Blocked senders, oldest first. Invariant: non-empty (with live waiters) only while the buffer
     * is full, so a sender never waits while a receiver could take its value.
     */
    private final Waiter.Queue senders = new Waiter.Queue();

    /** Blocked receivers, oldest first. Invariant: non-empty only while the buffer is empty. */
    private final Waiter.Queue receivers = new Waiter.Queue();

    /**
     * Nodes left queued by cancelled waiters that found the lock busy (an estimate, only ever
     * too high). Such a node is stale, its waiter completed, so whoever reaches it drops it; an
     * enqueue sweeps them once they are as many as half the queued nodes, so they cannot pile up.
     */
    private volatile int abandoned;

    private static final VarHandle ABANDONED;

    static {
        try {
            ABANDONED = MethodHandles.lookup().findVarHandle(Channel.class, "abandoned", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Creates a channel: Go's {@code make(chan T, capacity)}.
     *
     * @param capacity 0 for an unbuffered (rendezvous) channel, otherwise the buffer size
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    public Channel(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("negative channel capacity: " + capacity);
        }
        this.buffer = new Object[capacity];
        this.spin = capacity == 0 ? new RendezvousSpin() : null;
    }

    /**
     * An unbuffered channel: Go's {@code make(chan T)}.
     *
     * @param <T> the element type
     * @return a new channel of capacity 0
     */
    public static <T> Channel<T> unbuffered() {
        return new Channel<>(0);
    }

    /**
     * A buffered channel: Go's {@code make(chan T, capacity)}.
     *
     * @param capacity the buffer size, at least 1
     * @param <T> the element type
     * @return a new channel
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    public static <T> Channel<T> buffered(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("buffered channel needs capacity >= 1: " + capacity);
        }
        return new Channel<>(capacity);
    }

    // ---------------------------------------------------------------- direction

    /**
     * This channel's receiving end alone: Go's conversion of a {@code chan T} to {@code <-chan T}.
     * The view cannot send or close, and cannot be cast back. Never blocks; every call may return
     * a new view of the same channel.
     *
     * @return a receive-only view of this channel
     */
    public ReceiveChannel<T> receiveOnly() {
        return new ReceiveOnly<>(this);
    }

    /**
     * This channel's sending end alone: Go's conversion of a {@code chan T} to {@code chan<- T}.
     * The view cannot receive, and cannot be cast back. Never blocks.
     *
     * @return a send-only view of this channel
     */
    public SendChannel<T> sendOnly() {
        return new SendOnly<>(this);
    }

    /** The channel behind either end, for {@link Select}, which locks channels themselves. */
    static Channel<?> of(ReceiveChannel<?> end) {
        return switch (end) {
            case null -> null;
            case Channel<?> ch -> ch;
            case ReceiveOnly<?> view -> view.channel;
        };
    }

    /** The channel behind either end, for {@link Select}. */
    static Channel<?> of(SendChannel<?> end) {
        return switch (end) {
            case null -> null;
            case Channel<?> ch -> ch;
            case SendOnly<?> view -> view.channel;
        };
    }

    /** {@link #receiveOnly()}: delegates, and is nothing else. */
    static final class ReceiveOnly<T> implements ReceiveChannel<T> {
        private final Channel<T> channel;

        private ReceiveOnly(Channel<T> channel) {
            this.channel = channel;
        }

        @Override public T receive() throws InterruptedException { return channel.receive(); }
        @Override public T receive(Context ctx) throws InterruptedException { return channel.receive(ctx); }
        @Override public Received<T> receiveOrClosed() throws InterruptedException { return channel.receiveOrClosed(); }
        @Override public Received<T> receiveOrClosed(Context ctx) throws InterruptedException {
            return channel.receiveOrClosed(ctx);
        }
        @Override public Received<T> tryReceive() { return channel.tryReceive(); }
        @Override public boolean isClosed() { return channel.isClosed(); }
        @Override public int len() { return channel.len(); }
        @Override public int cap() { return channel.cap(); }
        @Override public Iterator<T> iterator() { return channel.iterator(); }
        @Override public String toString() { return "<-" + channel; }
    }

    /** {@link #sendOnly()}: delegates, and is nothing else. */
    static final class SendOnly<T> implements SendChannel<T> {
        private final Channel<T> channel;

        private SendOnly(Channel<T> channel) {
            this.channel = channel;
        }

        @Override public void send(T value) throws InterruptedException { channel.send(value); }
        @Override public void send(Context ctx, T value) throws InterruptedException { channel.send(ctx, value); }
        @Override public boolean trySend(T value) { return channel.trySend(value); }
        @Override public void close() { channel.close(); }
        @Override public boolean isClosed() { return channel.isClosed(); }
        @Override public int len() { return channel.len(); }
        @Override public int cap() { return channel.cap(); }
        @Override public String toString() { return channel + "<-"; }
    }

    // ---------------------------------------------------------------- send

    /**
     * Sends {@code value}: Go's {@code ch <- value}. Blocks until a receiver takes it (unbuffered)
     * or there is room in the buffer.
     *
     * @param value the value; not null
     * @throws InterruptedException if interrupted before or while blocked; the value was not sent
     * @throws ChannelClosedException if the channel is closed, or is closed while blocked
     * @throws NullPointerException if {@code value} is null
     */
    public void send(T value) throws InterruptedException {
        send0(null, value);
    }

    /**
     * Sends {@code value} unless {@code ctx} is done first: Go's {@code select { case ch <- v: case
     * <-ctx.Done(): }}, except that a context done on entry always wins.
     *
     * @param ctx the context
     * @param value the value; not null
     * @throws ContextDoneException {@code ctx.err()}, if {@code ctx} is done on entry or while
     *     blocked; the value was not sent
     * @throws InterruptedException if interrupted before or while blocked; the value was not sent
     * @throws ChannelClosedException if the channel is closed, or is closed while blocked
     */
    public void send(Context ctx, T value) throws InterruptedException {
        send0(Objects.requireNonNull(ctx, "ctx"), value);
    }

    /**
     * Sends {@code value} if that is possible without blocking: Go's {@code select { case ch <- v:
     * default: }}. Never blocks (beyond the channel's short internal lock).
     *
     * @param value the value; not null
     * @return true if sent (taken by a waiting receiver, or buffered); false if it would block
     * @throws ChannelClosedException if the channel is closed (as Go panics even with a default)
     */
    public boolean trySend(T value) {
        Objects.requireNonNull(value, "value");
        lock.lock();
        try {
            return sendLocked(value);
        } finally {
            lock.unlock();
        }
    }

    private void send0(Context ctx, T value) throws InterruptedException {
        Objects.requireNonNull(value, "value");
        checkEntry(ctx);
        Waiter waiter;
        Node node;
        lock.lock();
        try {
            if (sendLocked(value)) {
                return;
            }
            waiter = new Waiter();
            node = new Node(waiter, this, 0, true, value);
            enqueueLocked(node);
        } finally {
            lock.unlock();
        }
        Node outcome = awaitOne(waiter, node, ctx);
        if (outcome.closed) {
            throw sendOnClosed();
        }
    }

    // ---------------------------------------------------------------- receive

    /**
     * Receives a value: Go's {@code v := <-ch}, except that a closed channel throws rather than
     * returning a zero value. Blocks until a value is available or the channel is closed and
     * drained.
     *
     * @return the value
     * @throws ChannelClosedException once the channel is closed and its buffer drained
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    public T receive() throws InterruptedException {
        return valueOrThrow(receive0(null));
    }

    /**
     * Receives a value unless {@code ctx} is done first.
     *
     * @param ctx the context
     * @return the value
     * @throws ContextDoneException {@code ctx.err()}, if {@code ctx} is done on entry or while
     *     blocked; nothing was received
     * @throws ChannelClosedException once the channel is closed and its buffer drained
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    public T receive(Context ctx) throws InterruptedException {
        return valueOrThrow(receive0(Objects.requireNonNull(ctx, "ctx")));
    }

    /**
     * Receives a value or learns that the channel is closed: Go's {@code v, ok := <-ch}. Blocks as
     * {@link #receive()} does.
     *
     * @return a value ({@link Received#ok()}) or {@link Received#closed()}; never "not ready"
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    public Received<T> receiveOrClosed() throws InterruptedException {
        return toReceived(receive0(null));
    }

    /**
     * {@link #receiveOrClosed()} unless {@code ctx} is done first.
     *
     * @param ctx the context
     * @return a value or {@link Received#closed()}; never "not ready"
     * @throws ContextDoneException {@code ctx.err()}, if {@code ctx} is done on entry or while
     *     blocked; nothing was received
     * @throws InterruptedException if interrupted before or while blocked; nothing was received
     */
    public Received<T> receiveOrClosed(Context ctx) throws InterruptedException {
        return toReceived(receive0(Objects.requireNonNull(ctx, "ctx")));
    }

    /**
     * Receives without blocking: Go's {@code select { case v, ok := <-ch: default: }}. Never blocks
     * (beyond the channel's short internal lock).
     *
     * @return a value, {@link Received#closed()} if closed and drained, or {@link
     *     Received#notReady()} if a receive would block
     */
    public Received<T> tryReceive() {
        Object item;
        lock.lock();
        try {
            item = receiveLocked();
        } finally {
            lock.unlock();
        }
        return item == null ? Received.notReadyOutcome() : toReceived(item);
    }

    private Object receive0(Context ctx) throws InterruptedException {
        checkEntry(ctx);
        Waiter waiter;
        Node node;
        lock.lock();
        try {
            Object item = receiveLocked();
            if (item != null) {
                return item;
            }
            waiter = new Waiter();
            node = new Node(waiter, this, 0, false, null);
            enqueueLocked(node);
        } finally {
            lock.unlock();
        }
        Node outcome = awaitOne(waiter, node, ctx);
        return outcome.closed ? CLOSED : outcome.item;
    }

    /**
     * A blocking operation fails at once, before touching the channel, when its context is
     * already done or its thread already interrupted.
     */
    private static void checkEntry(Context ctx) throws InterruptedException {
        if (ctx != null) {
            ctx.throwIfDone();
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Waits for a single-node waiter; on cancellation dequeues it and throws. */
    private Node awaitOne(Waiter waiter, Node node, Context ctx) throws InterruptedException {
        Node ctxNode = ctx == null ? null : new Node(waiter, null, 1, false, null);
        // Only rendezvous waits spin: a wait on a full or empty buffer usually lasts until other
        // threads have run, and spinning would take their carrier.
        int spins = spin == null ? 0 : spin.spins();
        Node outcome = ctx == null
                ? waiter.await(List.of(), List.of(), spins)
                : waiter.await(List.of(ctx), List.of(ctxNode), spins);
        if (spins > 0) {
            spin.record(waiter.parked());
        }
        if (outcome == node) {
            return node;
        }
        unlink(node);
        if (outcome == Waiter.INTERRUPTED) {
            throw new InterruptedException();
        }
        throw ctx.err();
    }

    @SuppressWarnings("unchecked") // only T values are ever sent
    private T valueOrThrow(Object item) {
        if (item == CLOSED) {
            throw new ChannelClosedException("receive on closed channel");
        }
        return (T) item;
    }

    @SuppressWarnings("unchecked") // only T values are ever sent
    private Received<T> toReceived(Object item) {
        return item == CLOSED ? Received.closedOutcome() : Received.of((T) item);
    }

    // ---------------------------------------------------------------- close and state

    /**
     * Closes the channel: Go's {@code close(ch)}. Values already buffered are still delivered;
     * every blocked receiver wakes (and, once the buffer is drained, sees "closed"); every blocked
     * sender wakes and throws {@link ChannelClosedException}. Never blocks beyond the channel's
     * lock. Everything the closing thread did before happens-before a receive that reports closed.
     *
     * @throws ChannelClosedException if the channel is already closed
     */
    public void close() {
        List<Waiter> toWake = new ArrayList<>();
        lock.lock();
        try {
            if (closed) {
                throw new ChannelClosedException("close of closed channel");
            }
            closed = true;
            // Receivers wait only while the buffer is empty, so none of them misses a value.
            fireAllClosed(receivers, toWake);
            fireAllClosed(senders, toWake);
        } finally {
            lock.unlock();
        }
        for (Waiter waiter : toWake) {
            waiter.wake();
        }
    }

    private static void fireAllClosed(Waiter.Queue queue, List<Waiter> toWake) {
        for (Node node = queue.peek(); node != null; node = queue.peek()) {
            queue.unlink(node);
            node.item = null;
            node.closed = true;
            if (node.waiter.fire(node)) {
                toWake.add(node.waiter);
            }
        }
    }

    /**
     * Whether {@link #close()} has been called. A snapshot; buffered values may still be waiting
     * to be received. Never blocks.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * The number of buffered values: Go's {@code len(ch)}. A snapshot. Always 0 when unbuffered.
     *
     * @return the number of values in the buffer
     */
    public int len() {
        lock.lock();
        try {
            return count;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The buffer size: Go's {@code cap(ch)}.
     *
     * @return the capacity given at creation; 0 for an unbuffered channel
     */
    public int cap() {
        return buffer.length;
    }

    /** Queued receivers still waiting (stale nodes not counted); for tests. */
    int waitingReceivers() {
        lock.lock();
        try {
            return receivers.waitingCount();
        } finally {
            lock.unlock();
        }
    }

    /** Queued senders still waiting (stale nodes not counted); for tests. */
    int waitingSenders() {
        lock.lock();
        try {
            return senders.waitingCount();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go's {@code for v := range ch}: an iterator whose {@code hasNext()} blocks until a value
     * arrives and returns false once the channel is closed and drained. An iteration that is never
     * closed never ends (Go's "channel not closed" mistake): close the channel when done sending,
     * or receive with a context instead ({@link #receiveOrClosed(Context)}).
     *
     * <p>Interruption: {@code Iterator} cannot throw {@link InterruptedException}, so if the thread
     * is interrupted before or while {@code hasNext()} blocks, {@code hasNext()} restores the
     * interrupt status and throws a {@link CancellationException} whose cause is the {@code
     * InterruptedException}; no value is lost. Each iterator is for one thread; several threads may
     * iterate one channel concurrently with their own iterators, each value going to one of them.
     *
     * @return a blocking iterator over the values received
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            /** The value received by hasNext() and not yet returned by next(); or CLOSED. */
            private Object pending;

            @Override
            public boolean hasNext() {
                if (pending == null) {
                    try {
                        pending = receive0(null);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        CancellationException cancelled =
                                new CancellationException("interrupted while iterating a channel");
                        cancelled.initCause(e);
                        throw cancelled;
                    }
                }
                return pending != CLOSED;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("channel closed");
                }
                @SuppressWarnings("unchecked") // only T values are ever sent
                T value = (T) pending;
                pending = null;
                return value;
            }
        };
    }

    @Override
    public String toString() {
        return "Channel[cap=" + buffer.length + (closed ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------- under the lock (also Select)

    private static ChannelClosedException sendOnClosed() {
        return new ChannelClosedException("send on closed channel");
    }

    /**
     * Under {@link #lock}: sends at once if possible, handing the value to the oldest live
     * receiver, else buffering it.
     *
     * @return true if sent, false if the send would block
     * @throws ChannelClosedException if closed
     */
    boolean sendLocked(Object value) {
        if (closed) {
            throw sendOnClosed();
        }
        for (Node receiver = receivers.peek(); receiver != null; receiver = receivers.peek()) {
            receivers.unlink(receiver);
            receiver.item = value;
            if (receiver.waiter.fire(receiver)) {
                receiver.waiter.wake();
                return true;
            }
            // Its waiter was completed by another case or cancelled: the node was stale.
        }
        if (count < buffer.length) {
            buffer[(head + count) % buffer.length] = value;
            count++;
            return true;
        }
        return false;
    }

    /**
     * Under {@link #lock}: receives at once if possible. From the buffer first, refilling it from
     * the oldest live sender so FIFO order holds; else directly from the oldest live sender.
     *
     * @return the value, {@link #CLOSED} if closed and drained, or null if it would block
     */
    Object receiveLocked() {
        if (count > 0) {
            Object value = buffer[head];
            buffer[head] = null;
            head = (head + 1) % buffer.length;
            count--;
            Node sender = claimSender();
            if (sender != null) {
                buffer[(head + count) % buffer.length] = sender.item;
                count++;
            }
            return value;
        }
        Node sender = claimSender();
        if (sender != null) {
            return sender.item;
        }
        return closed ? CLOSED : null;
    }

    private Node claimSender() {
        for (Node sender = senders.peek(); sender != null; sender = senders.peek()) {
            senders.unlink(sender);
            if (sender.waiter.fire(sender)) {
                sender.waiter.wake();
                return sender;
            }
        }
        return null;
    }

    /** Under {@link #lock}: queues a node of a waiter that found nothing ready. Never on closed. */
    void enqueueLocked(Node node) {
        int left = abandoned;
        if (left > 0 && left >= (senders.size() + receivers.size()) / 2) {
            ABANDONED.getAndAdd(this, -left);
            senders.dropCompleted();
            receivers.dropCompleted();
        }
        (node.isSend ? senders : receivers).add(node);
    }

    /**
     * Removes a cancelled waiter's {@code node} from its queue if it is still there. If the lock
     * is busy, leaves it there as stale instead of waiting: when one cancel wakes thousands of
     * waiters of one channel, they would otherwise all queue on this lock just to unlink.
     */
    void unlink(Node node) {
        if (!lock.tryLock()) {
            ABANDONED.getAndAdd(this, 1);
            return;
        }
        try {
            (node.isSend ? senders : receivers).unlink(node);
        } finally {
            lock.unlock();
        }
    }
}
