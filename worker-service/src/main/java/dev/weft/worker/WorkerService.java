package dev.weft.worker;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.Service;
import dev.weft.patterns.WeftThreads;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The background worker pool as a supervised {@link Service}: {@code workers} virtual threads
 * take tasks from one bounded intake queue.
 *
 * <p>Shutdown (step 4 of the supervisor contract): intake closes at once, the workers keep
 * draining queued tasks until the queue is empty or the budget runs out, and what is still
 * running then is cancelled through its {@link Context}. Every accepted task is counted as
 * completed, failed, cancelled or abandoned (never started), and those counts add up to the
 * number accepted.
 */
public final class WorkerService implements Service {

    /** A unit of background work. It should honour {@code ctx}: it is cancelled at shutdown. */
    @FunctionalInterface
    public interface Task {
        void run(Context ctx) throws Exception;
    }

    /** What {@link #submit(Task)} did with a task. */
    public enum Admission { ACCEPTED, QUEUE_FULL, SHUTTING_DOWN }

    private static final System.Logger LOG = System.getLogger(WorkerService.class.getName());

    private final int workers;
    private final BlockingQueue<Task> queue;
    /** Cancelled when the shutdown budget runs out: running tasks see it through their context. */
    private final CancelContext lifetime = Context.withCancel(Context.background());
    /**
     * Guards the decision to accept: submit() holds the read lock while it checks {@code closed}
     * and offers, stop() takes the write lock to set it, so that after stop() closes intake no
     * task can slip into the queue behind the drain.
     */
    private final ReentrantReadWriteLock intake = new ReentrantReadWriteLock();
    /** Guarded by {@code intake}'s write lock for writes; read under its read lock. */
    private boolean closed;
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch workersDone;

    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong succeeded = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong cancelled = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();

    /**
     * @param workers       number of worker threads ({@code worker.workers})
     * @param queueCapacity bound of the intake queue ({@code worker.queue-capacity})
     */
    public WorkerService(int workers, int queueCapacity) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1: " + workers);
        }
        this.workers = workers;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.workersDone = new CountDownLatch(workers);
    }

    @Override
    public String name() {
        return "worker";
    }

    @Override
    public void start() {
        for (int i = 0; i < workers; i++) {
            threads.add(WeftThreads.start("worker", this::work));
        }
    }

    /**
     * Offers a task without blocking. Thread-safe. An ACCEPTED task is run, or accounted for as
     * cancelled or abandoned, before {@link #stop(Context)} returns.
     */
    public Admission submit(Task task) {
        intake.readLock().lock();
        try {
            if (closed) {
                return Admission.SHUTTING_DOWN;
            }
            if (!queue.offer(task)) {
                return Admission.QUEUE_FULL;
            }
            accepted.incrementAndGet();
            return Admission.ACCEPTED;
        } finally {
            intake.readLock().unlock();
        }
    }

    /** Tasks waiting in the queue. */
    public int queueDepth() {
        return queue.size();
    }

    private void work() {
        try {
            while (true) {
                Task task = queue.poll(100, TimeUnit.MILLISECONDS);
                if (task == null) {
                    if (isClosed() || lifetime.isDone()) {
                        return;
                    }
                    continue;
                }
                if (lifetime.isDone()) {
                    abandoned.incrementAndGet();
                    continue;
                }
                run(task);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            workersDone.countDown();
        }
    }

    private void run(Task task) {
        try {
            task.run(lifetime);
            succeeded.incrementAndGet();
        } catch (InterruptedException e) {
            cancelled.incrementAndGet();
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (lifetime.isDone()) {
                cancelled.incrementAndGet();
            } else {
                failed.incrementAndGet();
                LOG.log(Level.WARNING, "task failed: " + e);
            }
        }
    }

    private boolean isClosed() {
        intake.readLock().lock();
        try {
            return closed;
        } finally {
            intake.readLock().unlock();
        }
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        workersDone.await();
    }

    /**
     * Closes intake, drains the queue until the budget runs out, then cancels running tasks and
     * abandons the queued rest. Returns true if every accepted task ran to completion.
     */
    @Override
    public boolean stop(Context budget) throws InterruptedException {
        intake.writeLock().lock();
        try {
            closed = true;
        } finally {
            intake.writeLock().unlock();
        }
        Context.AfterFunc onBudgetEnd = budget.afterFunc(() -> lifetime.cancel(budget.cause()));
        for (Thread t : threads) {
            t.join();
        }
        boolean drained = onBudgetEnd.stop();
        lifetime.cancel();
        // Workers that saw the budget end left the queue's rest behind.
        Task left;
        while ((left = queue.poll()) != null) {
            abandoned.incrementAndGet();
        }
        LOG.log(Level.INFO, String.format("worker drain: accepted=%d succeeded=%d failed=%d cancelled=%d abandoned=%d",
                accepted.get(), succeeded.get(), failed.get(), cancelled.get(), abandoned.get()));
        return drained && cancelled.get() == 0 && abandoned.get() == 0;
    }

    /** Counts so far: accepted = succeeded + failed + cancelled + abandoned once stopped. */
    public record Counts(long accepted, long succeeded, long failed, long cancelled, long abandoned) { }

    public Counts counts() {
        return new Counts(accepted.get(), succeeded.get(), failed.get(), cancelled.get(), abandoned.get());
    }
}
