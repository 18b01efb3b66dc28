package dev.weft.worker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs concurrent calls as batches, one batch at a time: a caller queues its input and, once no
 * batch is running, runs one with everything queued so far (oldest first, at most {@code max},
 * its own input among them); a caller whose input another's batch took waits for that batch and
 * returns its output. A lone caller runs alone, at once: nothing waits for a batch to fill. So
 * while one database round trip and commit runs, the calls that arrive meanwhile gather into the
 * next one.
 *
 * <p>Blocks the caller until its input was run (not interruptible: a batch is one bounded
 * database call). A batch that throws fails every call it took with that exception. Memory
 * consistency: actions in a batch happen-before each of its calls returns.
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

    /** One call; its fields are guarded by {@link #lock}. */
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
    /** Guards the fields below and every slot; never held while a batch runs. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when a batch ends: its callers return, and one of those still queued runs the next. */
    private final Condition batchEnded = lock.newCondition();
    private final ArrayDeque<Slot<I, O>> queued = new ArrayDeque<>();
    private boolean running;

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
        lock.lock();
        try {
            queued.add(mine);
            while (!mine.done) {
                if (running) {
                    batchEnded.awaitUninterruptibly();
                } else {
                    runBatch();
                }
            }
            if (mine.failure != null) {
                throw mine.failure;
            }
            return mine.output;
        } finally {
            lock.unlock();
        }
    }

    /** Calls queued for a batch that has not started: a hook for tests. */
    int queued() {
        lock.lock();
        try {
            return queued.size();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the oldest queued calls and runs them with the lock released. Called holding the lock. */
    private void runBatch() {
        List<Slot<I, O>> taken = new ArrayList<>();
        while (taken.size() < max && !queued.isEmpty()) {
            taken.add(queued.poll());
        }
        List<I> inputs = new ArrayList<>(taken.size());
        for (Slot<I, O> s : taken) {
            inputs.add(s.input);
        }
        running = true;
        List<O> outputs = null;
        Throwable thrown = null;
        lock.unlock();
        try {
            outputs = batch.run(inputs);
            if (outputs.size() != taken.size()) {
                throw new IllegalStateException("a batch of " + taken.size() + " returned " + outputs.size() + " outputs");
            }
        } catch (RuntimeException | Error e) {
            thrown = e;
        } finally {
            lock.lock();
            running = false;
            for (int i = 0; i < taken.size(); i++) {
                Slot<I, O> s = taken.get(i);
                s.done = true;
                if (thrown == null) {
                    s.output = outputs.get(i);
                } else {
                    s.failure = thrown instanceof RuntimeException r ? r : new IllegalStateException("batch failed", thrown);
                }
            }
            batchEnded.signalAll();
        }
        if (thrown instanceof Error fatal) {
            throw fatal;
        }
    }
}
