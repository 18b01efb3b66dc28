package dev.weft.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs concurrent calls as batches, one batch at a time: a caller queues its input and, once no
 * batch is running, runs one with everything queued so far (its own input among them, oldest
 * first, at most {@code max}); a caller whose input a batch took meanwhile just collects its
 * output. A lone caller runs alone, at once: nothing waits for a batch to fill. So the cost of a
 * database round trip and commit is shared by all who called while the previous one ran.
 *
 * <p>Blocks the caller until its input was run. A batch that throws fails every call it took with
 * that exception. Memory consistency: actions in a batch happen-before each of its calls returns.
 *
 * @param <I> one call's input
 * @param <O> one call's output
 */
final class Coalescer<I, O> {

    /** Runs inputs as one batch; returns one output per input, in the same order. */
    @FunctionalInterface
    interface Batch<I, O> {
        List<O> run(List<I> inputs);
    }

    /** One call; its fields are written and read under {@link #lock}. */
    private static final class Slot<I, O> {
        final I input;
        boolean done;
        O output;
        RuntimeException failure;

        Slot(I input) {
            this.input = input;
        }
    }

    private final int max;
    private final Batch<I, O> batch;
    private final ConcurrentLinkedQueue<Slot<I, O>> pending = new ConcurrentLinkedQueue<>();
    /** Held while a batch runs: at most one at a time. */
    private final ReentrantLock lock = new ReentrantLock();

    Coalescer(int max, Batch<I, O> batch) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, got " + max);
        }
        this.max = max;
        this.batch = batch;
    }

    /** Runs {@code input} in a batch, maybe with other callers' inputs, and returns its output. */
    O call(I input) {
        Slot<I, O> mine = new Slot<>(input);
        pending.add(mine);
        lock.lock();
        try {
            // Batches take the queue oldest first, so each one run here brings ours nearer.
            while (!mine.done) {
                runBatch();
            }
            if (mine.failure != null) {
                throw mine.failure;
            }
            return mine.output;
        } finally {
            lock.unlock();
        }
    }

    private void runBatch() {
        List<Slot<I, O>> taken = new ArrayList<>();
        for (Slot<I, O> s; taken.size() < max && (s = pending.poll()) != null; ) {
            taken.add(s);
        }
        List<I> inputs = new ArrayList<>(taken.size());
        for (Slot<I, O> s : taken) {
            inputs.add(s.input);
        }
        try {
            List<O> outputs = batch.run(inputs);
            if (outputs.size() != taken.size()) {
                throw new IllegalStateException("a batch of " + taken.size() + " returned " + outputs.size() + " outputs");
            }
            for (int i = 0; i < taken.size(); i++) {
                taken.get(i).output = outputs.get(i);
            }
        } catch (RuntimeException | Error e) {
            RuntimeException failure = e instanceof RuntimeException r ? r : new IllegalStateException("batch failed", e);
            for (Slot<I, O> s : taken) {
                s.failure = failure;
            }
            if (e instanceof Error fatal) {
                throw fatal;
            }
        } finally {
            for (Slot<I, O> s : taken) {
                s.done = true;
            }
        }
    }
}
