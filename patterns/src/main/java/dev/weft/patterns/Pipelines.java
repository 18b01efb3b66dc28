package dev.weft.patterns;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The guide's pipeline, fan-out and fan-in: stages connected by unbuffered channels, each stage a
 * Weft thread (role "pipeline") that honours a context and closes its output when it stops.
 *
 * <pre>{@code
 * CancelContext ctx = Context.withCancel(Context.background());
 * try {
 *     ReceiveChannel<Integer> squares = Pipelines.stage(ctx, Pipelines.generate(ctx, List.of(1, 2, 3)), n -> n * n);
 *     for (int sq : squares) System.out.println(sq);
 * } finally {
 *     ctx.cancel();   // defer cancel(): stops every stage if the loop above exits early
 * }
 * }</pre>
 *
 * <p><b>Semantics.</b> Every stage stops when its input is closed and drained, or when {@code ctx}
 * is done (even while blocked sending to a consumer that went away), and then closes its output.
 * So a consumer that stops early must cancel the context: that is what releases every thread
 * upstream (Go's goroutine-leak rule). A consumer can tell a complete stream from a cancelled one
 * by checking {@code ctx.err()} after the output closes. Functions must not return null (channels
 * reject it). A function that throws ends its stage: the output is closed and the exception goes
 * to the thread's uncaught-exception handler; upstream stages then stay blocked until {@code ctx}
 * is cancelled. For work that can fail per item, use {@link WorkerPool}, whose results carry
 * failures.
 *
 * <p><b>Direction.</b> Every stage hands out its output as a {@link ReceiveChannel}: only the stage
 * that writes a channel can close it, so a consumer that stops early cancels the context instead
 * of closing a channel under a running stage.
 *
 * <p><b>Memory visibility:</b> as for {@link Channel}: everything a stage did before sending an
 * item happens-before the item is received downstream.
 */
public final class Pipelines {

    private Pipelines() {}

    /**
     * The source stage: sends {@code items} in order, then closes. Go's {@code gen}.
     *
     * @param ctx stops the stage when done
     * @param items what to send; iterated in the stage's thread
     * @param <T> the element type
     * @return the output channel (unbuffered), receive-only
     */
    public static <T> ReceiveChannel<T> generate(Context ctx, Iterable<? extends T> items) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(items, "items");
        Channel<T> out = Channel.unbuffered();
        startStage(out, () -> {
            for (T item : items) {
                out.send(ctx, item);
            }
        });
        return out.receiveOnly();
    }

    /**
     * A stage: sends {@code fn(v)} for every {@code v} received from {@code in}, in order, then
     * closes. Go's {@code square}.
     *
     * @param ctx stops the stage when done
     * @param in the input
     * @param fn the transformation; runs in the stage's thread; must not return null
     * @param <I> the input type
     * @param <O> the output type
     * @return the output channel (unbuffered), receive-only
     */
    public static <I, O> ReceiveChannel<O> stage(Context ctx, ReceiveChannel<I> in,
                                                 Function<? super I, ? extends O> fn) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(fn, "fn");
        Channel<O> out = Channel.unbuffered();
        startStage(out, () -> forward(ctx, in, out, fn));
        return out.receiveOnly();
    }

    /**
     * Fan-out: {@code n} stages that all read the one channel {@code in}, each with its own output,
     * so work is spread over {@code n} threads (each item goes to exactly one of them). Go's {@code
     * fanOut}. Combine the outputs with {@link #merge(Context, List)}; order across outputs is not
     * kept.
     *
     * @param ctx stops the stages when done
     * @param in the shared input
     * @param n the number of workers, at least 1
     * @param fn the transformation; must not return null
     * @param <I> the input type
     * @param <O> the output type
     * @return the {@code n} output channels, receive-only
     */
    public static <I, O> List<ReceiveChannel<O>> fanOut(Context ctx, ReceiveChannel<I> in, int n,
                                                        Function<? super I, ? extends O> fn) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1: " + n);
        }
        List<ReceiveChannel<O>> outputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            outputs.add(stage(ctx, in, fn));
        }
        return List.copyOf(outputs);
    }

    /**
     * Fan-in: forwards every value of every input to one output, which closes once every input has
     * closed (or {@code ctx} is done and every forwarder has stopped). Go's {@code fanIn}: one
     * forwarding thread per input.
     *
     * @param ctx stops the forwarding when done
     * @param inputs the inputs
     * @param <T> the element type
     * @return the merged output (unbuffered), receive-only; closed at once if there are no inputs
     */
    @SafeVarargs
    public static <T> ReceiveChannel<T> merge(Context ctx, ReceiveChannel<? extends T>... inputs) {
        // Copied element by element: handing the generic array itself on is what -Xlint flags.
        List<ReceiveChannel<? extends T>> list = new ArrayList<>(inputs.length);
        for (ReceiveChannel<? extends T> in : inputs) {
            list.add(in);
        }
        return merge(ctx, list);
    }

    /**
     * {@link #merge(Context, ReceiveChannel[])} for a list.
     *
     * @param ctx stops the forwarding when done
     * @param inputs the inputs
     * @param <T> the element type
     * @return the merged output, receive-only
     */
    public static <T> ReceiveChannel<T> merge(Context ctx, List<? extends ReceiveChannel<? extends T>> inputs) {
        Objects.requireNonNull(ctx, "ctx");
        List<? extends ReceiveChannel<? extends T>> copy = List.copyOf(inputs);
        Channel<T> out = Channel.unbuffered();
        if (copy.isEmpty()) {
            out.close();
            return out.receiveOnly();
        }
        // Go's WaitGroup + closer goroutine, folded into the last forwarder.
        AtomicInteger remaining = new AtomicInteger(copy.size());
        for (ReceiveChannel<? extends T> in : copy) {
            WeftThreads.start("pipeline", () -> {
                try {
                    forward(ctx, in, out, Function.identity());
                } catch (ContextDoneException | InterruptedException stop) {
                    // cancelled: stop forwarding
                } finally {
                    if (remaining.decrementAndGet() == 0) {
                        out.close();
                    }
                }
            });
        }
        return out.receiveOnly();
    }

    private static <I, O> void forward(Context ctx, ReceiveChannel<? extends I> in, Channel<O> out,
                                       Function<? super I, ? extends O> fn) throws InterruptedException {
        while (true) {
            Received<? extends I> r = in.receiveOrClosed(ctx);
            if (r.closed()) {
                return;
            }
            out.send(ctx, fn.apply(r.value()));
        }
    }

    @FunctionalInterface
    private interface StageBody {
        void run() throws InterruptedException;
    }

    private static void startStage(Channel<?> out, StageBody body) {
        WeftThreads.start("pipeline", () -> {
            try {
                body.run();
            } catch (ContextDoneException | InterruptedException stop) {
                // cancelled: the stage ends and closes its output
            } finally {
                out.close();
            }
        });
    }
}
