package dev.weft.patterns;

import dev.weft.patterns.Waiter.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Go's {@code select}: waits until one of several channel operations can proceed, performs exactly
 * that one, and runs its handler.
 *
 * <pre>{@code
 * // select {
 * // case v := <-in:      handle(v)
 * // case out <- next:    advance()
 * // case <-ctx.Done():   return ctx.Err()
 * // }
 * int fired = Select.select()
 *         .onReceive(in, v -> handle(v))
 *         .onSend(out, next, () -> advance())
 *         .onDone(ctx, () -> {})
 *         .run();
 * if (fired == 2) throw ctx.err();
 * }</pre>
 *
 * <p><b>Semantics.</b> {@link #run()} first looks at every case in a fresh uniformly random order
 * and performs the first one that is ready, so when several are ready each is chosen with equal
 * probability (Go's rule; no case can starve another). A receive case is ready when a value is
 * buffered or a sender waits, or the channel is closed; a send case when a receiver waits or there
 * is buffer room, or the channel is closed (which throws, as Go panics); a done case when its
 * context is done. If none is ready, {@link #orDefault(Runnable)}'s handler runs if there is one;
 * otherwise the thread parks on all cases at once and the first to become ready wins. Exactly one
 * case's operation takes effect: a value is never taken from, nor given to, a channel whose case
 * did not fire. A {@code null} channel is Go's nil channel: its case is never ready (useful to
 * switch a case off, for example once its channel is closed).
 *
 * <p><b>Handlers</b> run in the selecting thread after the operation completed and every wait was
 * withdrawn, with no lock held; an exception a handler throws propagates from {@link #run()}.
 *
 * <p><b>Blocking and memory visibility.</b> A blocked select parks (virtual threads unmount); it
 * never spins. It is interruptible. A fired case has exactly the happens-before edges of the
 * corresponding {@link Channel} operation, or of observing its context done.
 *
 * <p><b>Reuse.</b> A {@code Select} is a description of cases, not a one-shot: {@link #run()} may
 * be called again (from one thread at a time) to select again, as in a {@code for { select {...}
 * }} loop. Adding cases after a run is allowed.
 */
public final class Select {

    private enum Kind { RECEIVE, RECEIVE_OR_CLOSED, SEND, DONE }

    private record Case(Kind kind, Channel<?> channel, Object value, Context ctx,
                        Consumer<Object> onValue, Runnable onEvent) {}

    private final List<Case> cases = new ArrayList<>();
    private Runnable defaultHandler;

    /** The distinct non-null channels in lock order; recomputed when cases change. */
    private Channel<?>[] lockOrder;

    private Select() {}

    /**
     * Starts describing a select.
     *
     * @return a select with no cases
     */
    public static Select select() {
        return new Select();
    }

    /**
     * Adds a receive case: {@code case v := <-ch}. When a value is received, {@code then} gets it.
     * If it fires because {@code ch} is closed (and drained), {@link #run()} throws {@link
     * ChannelClosedException}; use {@link #onReceiveOrClosed} to handle closing.
     *
     * @param ch the channel; null for Go's nil channel (never ready)
     * @param then the handler
     * @param <T> the element type
     * @return this select
     */
    public <T> Select onReceive(Channel<T> ch, Consumer<? super T> then) {
        Objects.requireNonNull(then, "then");
        @SuppressWarnings("unchecked") // the channel only delivers T
        Consumer<Object> handler = (Consumer<Object>) then;
        return add(new Case(Kind.RECEIVE, ch, null, null, handler, null));
    }

    /**
     * Adds a receive case that also reports closing: {@code case v, ok := <-ch}.
     *
     * @param ch the channel; null for Go's nil channel (never ready)
     * @param then gets a value, or {@link Received#closed()} once {@code ch} is closed and drained
     * @param <T> the element type
     * @return this select
     */
    public <T> Select onReceiveOrClosed(Channel<T> ch, Consumer<? super Received<T>> then) {
        Objects.requireNonNull(then, "then");
        @SuppressWarnings("unchecked") // the channel only delivers T
        Consumer<Object> handler = item -> then.accept(
                item == Channel.CLOSED ? Received.closedOutcome() : Received.of((T) item));
        return add(new Case(Kind.RECEIVE_OR_CLOSED, ch, null, null, handler, null));
    }

    /**
     * Adds a send case: {@code case ch <- value}. If {@code ch} is closed when this case is looked
     * at or while the select waits, {@link #run()} throws {@link ChannelClosedException} (Go
     * panics).
     *
     * @param ch the channel; null for Go's nil channel (never ready)
     * @param value the value to send; not null
     * @param then runs after the value was sent
     * @param <T> the element type
     * @return this select
     */
    public <T> Select onSend(Channel<? super T> ch, T value, Runnable then) {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(then, "then");
        return add(new Case(Kind.SEND, ch, value, null, null, then));
    }

    /**
     * Adds a context case: {@code case <-ctx.Done()}. Ready once {@code ctx} is done.
     *
     * @param ctx the context
     * @param then the handler
     * @return this select
     */
    public Select onDone(Context ctx, Runnable then) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(then, "then");
        return add(new Case(Kind.DONE, null, null, ctx, null, then));
    }

    /**
     * Sets the {@code default:} handler: with one, {@link #run()} never blocks.
     *
     * @param then runs when no case is ready
     * @return this select
     */
    public Select orDefault(Runnable then) {
        this.defaultHandler = Objects.requireNonNull(then, "then");
        return this;
    }

    private Select add(Case c) {
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
     * @return the index of the case that fired, counting from 0 in the order cases were added; -1
     *     if the default handler ran
     * @throws InterruptedException if interrupted before blocking or while blocked; no case fired
     * @throws ChannelClosedException if a send case's channel is closed, or a receive case (not
     *     {@code onReceiveOrClosed}) fired because its channel is closed
     */
    public int run() throws InterruptedException {
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
                Case c = cases.get(i);
                if (c.kind == Kind.DONE) {
                    if (c.ctx.isDone()) {
                        chosen = i;
                        break;
                    }
                } else if (c.channel != null) {
                    if (c.kind == Kind.SEND) {
                        if (c.channel.sendLocked(c.value)) {
                            chosen = i;
                            break;
                        }
                    } else {
                        Object item = c.channel.receiveLocked();
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
                    Case c = cases.get(i);
                    if (c.channel != null && c.kind != Kind.DONE) {
                        nodes[i] = new Node(waiter, c.channel, i, c.kind == Kind.SEND, c.value);
                        c.channel.enqueueLocked(nodes[i]);
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
                Case c = cases.get(i);
                if (c.kind == Kind.DONE) {
                    contexts.add(c.ctx);
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
            Case c = cases.get(chosen);
            if (c.kind == Kind.SEND && outcome.closed) {
                throw new ChannelClosedException("send on closed channel");
            }
            if (c.kind == Kind.RECEIVE || c.kind == Kind.RECEIVE_OR_CLOSED) {
                received = outcome.closed ? Channel.CLOSED : outcome.item;
            }
        }

        if (chosen < 0) {
            defaultHandler.run();
            return -1;
        }
        Case c = cases.get(chosen);
        switch (c.kind) {
            case RECEIVE -> {
                if (received == Channel.CLOSED) {
                    throw new ChannelClosedException("receive on closed channel");
                }
                c.onValue.accept(received);
            }
            case RECEIVE_OR_CLOSED -> c.onValue.accept(received);
            case SEND, DONE -> c.onEvent.run();
        }
        return chosen;
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
        return "Select" + Arrays.toString(cases.stream().map(Case::kind).toArray())
                + (defaultHandler != null ? "+default" : "");
    }
}
