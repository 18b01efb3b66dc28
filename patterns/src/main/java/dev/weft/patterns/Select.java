package dev.weft.patterns;

import dev.weft.patterns.Waiter.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Go's {@code select}: waits until one of several channel operations can proceed, performs exactly
 * that one, and runs its handler, whose value {@link #run()} returns (a select is an expression
 * here, as a {@code switch} is).
 *
 * <pre>{@code
 * // select {
 * // case v := <-in:      handle(v)
 * // case out <- next:    advance()
 * // case <-ctx.Done():   return ctx.Err()
 * // }
 * Step step = Select.<Step>select()
 *         .onReceive(in, v -> handle(v))
 *         .onSend(out, next, () -> advance())
 *         .onDone(ctx, () -> Step.STOP)
 *         .run();
 * }</pre>
 *
 * <p><b>Semantics.</b> {@link #run()} first looks at every case in a fresh uniformly random order
 * and performs the first one that is ready, so when several are ready each is chosen with equal
 * probability (Go's rule; no case can starve another). A receive case is ready when a value is
 * buffered or a sender waits, or the channel is closed; a send case when a receiver waits or there
 * is buffer room, or the channel is closed (which throws, as Go panics); a done case when its
 * context is done. If none is ready, {@link #orDefault(Supplier)}'s handler runs if there is one;
 * otherwise the thread parks on all cases at once and the first to become ready wins. Exactly one
 * case's operation takes effect: a value is never taken from, nor given to, a channel whose case
 * did not fire. A {@code null} channel is Go's nil channel: its case is never ready (useful to
 * switch a case off, for example once its channel is closed).
 *
 * <p><b>Handlers</b> run in the selecting thread after the operation completed and every wait was
 * withdrawn, with no lock held; what the handler returns (null allowed) is what {@link #run()}
 * returns, and an exception it throws propagates from {@link #run()}.
 *
 * <p><b>Blocking and memory visibility.</b> A blocked select parks (virtual threads unmount); it
 * never spins. It is interruptible. A fired case has exactly the happens-before edges of the
 * corresponding {@link Channel} operation, or of observing its context done.
 *
 * <p><b>Reuse.</b> A {@code Select} is a description of cases, not a one-shot: {@link #run()} may
 * be called again (from one thread at a time) to select again, as in a {@code for { select {...}
 * }} loop. Adding cases after a run is allowed.
 *
 * @param <R> what the handlers return, and so {@link #run()}
 */
public final class Select<R> {

    /** One case; the channel is null for a nil channel and for a done case. */
    private sealed interface Case<R> permits Receive, ReceiveOrClosed, Send, Done {
        Channel<?> channel();
    }

    /** {@code case v := <-ch}: a closed channel makes {@link #run()} throw. */
    private record Receive<R>(Channel<?> channel, Function<Object, ? extends R> then) implements Case<R> {}

    /** {@code case v, ok := <-ch}: {@code then} gets {@link Channel#CLOSED} or a value. */
    private record ReceiveOrClosed<R>(Channel<?> channel, Function<Object, ? extends R> then) implements Case<R> {}

    /** {@code case ch <- value}. */
    private record Send<R>(Channel<?> channel, Object value, Supplier<? extends R> then) implements Case<R> {}

    /** {@code case <-ctx.Done()}. */
    private record Done<R>(Context ctx, Supplier<? extends R> then) implements Case<R> {
        @Override
        public Channel<?> channel() {
            return null;
        }
    }

    private final List<Case<R>> cases = new ArrayList<>();
    private Supplier<? extends R> defaultHandler;

    /** The distinct non-null channels in lock order; recomputed when cases change. */
    private Channel<?>[] lockOrder;

    private Select() {}

    /**
     * Starts describing a select; name the result type at the call, {@code Select.<Step>select()}.
     *
     * @param <R> what the handlers return
     * @return a select with no cases
     */
    public static <R> Select<R> select() {
        return new Select<>();
    }

    /**
     * Adds a receive case: {@code case v := <-ch}. When a value is received, {@code then} gets it.
     * If it fires because {@code ch} is closed (and drained), {@link #run()} throws {@link
     * ChannelClosedException}; use {@link #onReceiveOrClosed} to handle closing.
     *
     * @param ch the channel, or its receive-only view; null for Go's nil channel (never ready)
     * @param then the handler; its value is what {@link #run()} returns
     * @param <T> the element type
     * @return this select
     */
    public <T> Select<R> onReceive(ReceiveChannel<T> ch, Function<? super T, ? extends R> then) {
        Objects.requireNonNull(then, "then");
        @SuppressWarnings("unchecked") // the channel only delivers T
        Function<Object, ? extends R> handler = item -> then.apply((T) item);
        return add(new Receive<>(Channel.of(ch), handler));
    }

    /**
     * Adds a receive case that also reports closing: {@code case v, ok := <-ch}.
     *
     * @param ch the channel, or its receive-only view; null for Go's nil channel (never ready)
     * @param then gets a value, or {@link Received#closed()} once {@code ch} is closed and drained
     * @param <T> the element type
     * @return this select
     */
    public <T> Select<R> onReceiveOrClosed(ReceiveChannel<T> ch, Function<? super Received<T>, ? extends R> then) {
        Objects.requireNonNull(then, "then");
        @SuppressWarnings("unchecked") // the channel only delivers T
        Function<Object, ? extends R> handler = item -> then.apply(
                item == Channel.CLOSED ? Received.closedOutcome() : Received.of((T) item));
        return add(new ReceiveOrClosed<>(Channel.of(ch), handler));
    }

    /**
     * Adds a send case: {@code case ch <- value}. If {@code ch} is closed when this case is looked
     * at or while the select waits, {@link #run()} throws {@link ChannelClosedException} (Go
     * panics).
     *
     * @param ch the channel, or its send-only view; null for Go's nil channel (never ready)
     * @param value the value to send; not null
     * @param then runs after the value was sent; its value is what {@link #run()} returns
     * @param <T> the element type
     * @return this select
     */
    public <T> Select<R> onSend(SendChannel<? super T> ch, T value, Supplier<? extends R> then) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(then, "then");
        return add(new Send<>(Channel.of(ch), value, then));
    }

    /**
     * Adds a context case: {@code case <-ctx.Done()}. Ready once {@code ctx} is done.
     *
     * @param ctx the context
     * @param then the handler; its value is what {@link #run()} returns
     * @return this select
     */
    public Select<R> onDone(Context ctx, Supplier<? extends R> then) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(then, "then");
        return add(new Done<>(ctx, then));
    }

    /**
     * Sets the {@code default:} handler: with one, {@link #run()} never blocks.
     *
     * @param then runs when no case is ready; its value is what {@link #run()} returns
     * @return this select
     */
    public Select<R> orDefault(Supplier<? extends R> then) {
        this.defaultHandler = Objects.requireNonNull(then, "then");
        return this;
    }

    private Select<R> add(Case<R> c) {
        cases.add(c);
        lockOrder = null;
        return this;
    }

    /**
     * Performs one select: waits (unless there is a default) until a case is ready, performs it and
     * runs its handler.
     *
     * <p>With no cases and no default it blocks until interrupted, like an empty Go {@code
     * select {}}.
     *
     * @return what the handler of the case that fired (or the default handler) returned
     * @throws InterruptedException if interrupted before blocking or while blocked; no case fired
     * @throws ChannelClosedException if a send case's channel is closed, or a receive case (not
     *     {@code onReceiveOrClosed}) fired because its channel is closed
     */
    public R run() throws InterruptedException {
        int n = cases.size();
        int[] order = randomOrder(n);
        Channel<?>[] locks = lockOrder();

        int chosen = -1;
        Object received = null;
        Waiter waiter = null;
        Node[] nodes = null;
        lockAll(locks);
        try {
            for (int i : order) {
                Case<R> c = cases.get(i);
                if (c instanceof Done<R> d) {
                    if (d.ctx.isDone()) {
                        chosen = i;
                        break;
                    }
                } else if (c.channel() != null) {
                    if (c instanceof Send<R> send) {
                        if (send.channel.sendLocked(send.value)) {
                            chosen = i;
                            break;
                        }
                    } else {
                        Object item = c.channel().receiveLocked();
                        if (item != null) {
                            chosen = i;
                            received = item;
                            break;
                        }
                    }
                }
            }
            if (chosen < 0 && defaultHandler == null) {
                // Still holding every lock, so no case can become ready before all are queued.
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                waiter = new Waiter();
                nodes = new Node[n];
                for (int i = 0; i < n; i++) {
                    Case<R> c = cases.get(i);
                    if (c.channel() != null) {
                        boolean isSend = c instanceof Send<R>;
                        nodes[i] = new Node(waiter, c.channel(), i, isSend, isSend ? ((Send<R>) c).value : null);
                        c.channel().enqueueLocked(nodes[i]);
                    }
                }
            }
        } finally {
            unlockAll(locks);
        }

        if (waiter != null) {
            List<Context> contexts = new ArrayList<>();
            List<Node> contextNodes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (cases.get(i) instanceof Done<R> d) {
                    contexts.add(d.ctx);
                    contextNodes.add(new Node(waiter, null, i, false, null));
                }
            }
            Node outcome = waiter.await(contexts, contextNodes);
            for (Node node : nodes) {
                if (node != null && node != outcome) {
                    node.channel.unlink(node);
                }
            }
            if (outcome == Waiter.INTERRUPTED) {
                throw new InterruptedException();
            }
            chosen = outcome.caseIndex;
            Case<R> c = cases.get(chosen);
            if (c instanceof Send<R> && outcome.closed) {
                throw new ChannelClosedException("send on closed channel");
            }
            if (c instanceof Receive<R> || c instanceof ReceiveOrClosed<R>) {
                received = outcome.closed ? Channel.CLOSED : outcome.item;
            }
        }

        if (chosen < 0) {
            return defaultHandler.get();
        }
        return switch (cases.get(chosen)) {
            case Receive<R> r -> {
                if (received == Channel.CLOSED) {
                    throw new ChannelClosedException("receive on closed channel");
                }
                yield r.then.apply(received);
            }
            case ReceiveOrClosed<R> r -> r.then.apply(received);
            case Send<R> send -> send.then.get();
            case Done<R> d -> d.then.get();
        };
    }

    /** Go's pollorder: a uniformly random permutation (Fisher–Yates). */
    private static int[] randomOrder(int n) {
        int[] order = new int[n];
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < n; i++) {
            int j = random.nextInt(i + 1);
            order[i] = order[j];
            order[j] = i;
        }
        return order;
    }

    /** Go's lockorder: distinct channels by id, so two selects never lock in opposite orders. */
    private Channel<?>[] lockOrder() {
        Channel<?>[] locks = lockOrder;
        if (locks == null) {
            locks = cases.stream()
                    .map(Case::channel)
                    .filter(Objects::nonNull)
                    .distinct()
                    .sorted(Comparator.comparingLong(ch -> ch.id))
                    .toArray(Channel<?>[]::new);
            lockOrder = locks;
        }
        return locks;
    }

    private static void lockAll(Channel<?>[] locks) {
        for (Channel<?> ch : locks) {
            ch.lock.lock();
        }
    }

    private static void unlockAll(Channel<?>[] locks) {
        for (int i = locks.length - 1; i >= 0; i--) {
            locks[i].lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Select" + Arrays.toString(cases.stream().map(c -> c.getClass().getSimpleName()).toArray())
                + (defaultHandler != null ? "+default" : "");
    }
}
