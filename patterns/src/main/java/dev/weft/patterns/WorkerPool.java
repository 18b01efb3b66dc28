package dev.weft.patterns;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The guide's worker pool and rate-limited worker pool: {@code workers} threads drain a job
 * channel, process each job, and send its {@link Result} to a bounded results channel that is
 * closed once every worker has finished.
 *
 * <pre>{@code
 * Channel<Url> jobs = Channel.buffered(100);
 * WorkerPool<Url, Page> pool = WorkerPool.start(ctx, jobs, 8, url -> fetch(url));
 * // ... send jobs, then jobs.close()
 * for (WorkerPool.Result<Url, Page> r : pool.results()) {
 *     if (r.ok()) use(r.value()); else log(r.job(), r.failure());
 * }
 * }</pre>
 *
 * <p><b>Semantics.</b> Each worker (a Weft thread, role "worker") loops: receive a job (honouring
 * {@code ctx}); if there is a limiter, {@link RateLimiter#await(Context) wait for a token};
 * process it; send the result (honouring {@code ctx}). A job that throws does not stop its
 * worker: the failure becomes a {@link Result}. A worker stops when the job channel is closed and
 * drained, or when {@code ctx} is done (a job or result in hand is then dropped, as in Go), or when
 * its thread is interrupted. The results channel has capacity {@code workers} (or the {@code
 * resultsCapacity} given), so a slow consumer holds the workers back (backpressure) instead of
 * letting results pile up; a consumer that stops reading must cancel {@code ctx}, or the workers
 * stay blocked on send (Go's goroutine leak).
 *
 * <p><b>Results capacity.</b> With the default, workers and consumer proceed nearly in
 * lock-step when jobs are short: the buffer is full or empty most of the time, so most results
 * cost a park and an unpark of a worker or of the consumer. A larger buffer (Go's examples use
 * one as large as the job count) lets them run in bursts: for trivial jobs, 64 instead of 8
 * halves the cost per job (docs/BENCHMARKS.md). It bounds only how far the workers may run
 * ahead of the consumer.
 *
 * <p><b>Memory visibility:</b> processing a job happens-before its result is received; everything
 * every worker did happens-before the results channel reports closed and {@link #await()} returns.
 *
 * @param <J> the job type
 * @param <R> the result value type
 */
public final class WorkerPool<J, R> {

    /**
     * Processes one job.
     *
     * @param <J> the job type
     * @param <R> the result value type
     */
    @FunctionalInterface
    public interface Task<J, R> {
        /**
         * Processes {@code job}.
         *
         * @param job the job
         * @return the result value; may be null
         * @throws Exception any failure; it becomes the job's {@link Result}
         */
        R process(J job) throws Exception;
    }

    /**
     * The outcome of one job: its value, or the failure its task threw.
     *
     * @param job the job
     * @param value the value, if it succeeded (may be null)
     * @param failure what the task threw, or null if it succeeded
     * @param <J> the job type
     * @param <R> the value type
     */
    public record Result<J, R>(J job, R value, Throwable failure) {

        /**
         * Whether the task succeeded.
         *
         * @return true if {@link #failure()} is null
         */
        public boolean ok() {
            return failure == null;
        }
    }

    private final Channel<Result<J, R>> results;
    private final ReceiveChannel<Result<J, R>> resultsView;
    private final WaitGroup running = new WaitGroup();

    private WorkerPool(int resultsCapacity) {
        this.results = new Channel<>(resultsCapacity);
        this.resultsView = results.receiveOnly();
    }

    /**
     * Starts {@code workers} workers draining {@code jobs}. Never blocks.
     *
     * @param ctx stops the workers when done
     * @param jobs the job channel (or its receive-only view); the caller closes it when no more
     *     jobs will come
     * @param workers the number of workers, at least 1
     * @param task processes a job
     * @param <J> the job type
     * @param <R> the result value type
     * @return the running pool
     */
    public static <J, R> WorkerPool<J, R> start(Context ctx, ReceiveChannel<J> jobs, int workers,
                                                 Task<? super J, ? extends R> task) {
        return start(ctx, jobs, workers, null, task);
    }

    /**
     * Starts a rate-limited pool: as {@link #start(Context, ReceiveChannel, int, Task)}, but every job
     * first takes a token from {@code limiter}, so jobs start no faster than its rate across all
     * workers. If the limiter refuses (the wait would pass {@code ctx}'s deadline), the job's result
     * is that {@link RateLimiter.WaitRefusedException} and it is not processed.
     *
     * @param ctx stops the workers when done
     * @param jobs the job channel
     * @param workers the number of workers, at least 1
     * @param limiter the rate limit; null for none
     * @param task processes a job
     * @param <J> the job type
     * @param <R> the result value type
     * @return the running pool
     */
    public static <J, R> WorkerPool<J, R> start(Context ctx, ReceiveChannel<J> jobs, int workers,
                                                 RateLimiter limiter, Task<? super J, ? extends R> task) {
        return start(ctx, jobs, workers, workers, limiter, task);
    }

    /**
     * As {@link #start(Context, ReceiveChannel, int, RateLimiter, Task)}, with a results channel
     * of {@code resultsCapacity} instead of {@code workers} (see "Results capacity" above).
     *
     * @param ctx stops the workers when done
     * @param jobs the job channel
     * @param workers the number of workers, at least 1
     * @param resultsCapacity how many results may wait for the consumer, at least 1
     * @param limiter the rate limit; null for none
     * @param task processes a job
     * @param <J> the job type
     * @param <R> the result value type
     * @return the running pool
     */
    public static <J, R> WorkerPool<J, R> start(Context ctx, ReceiveChannel<J> jobs, int workers, int resultsCapacity,
                                                 RateLimiter limiter, Task<? super J, ? extends R> task) {
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(jobs, "jobs");
        Objects.requireNonNull(task, "task");
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1: " + workers);
        }
        if (resultsCapacity < 1) {
            throw new IllegalArgumentException("resultsCapacity must be >= 1: " + resultsCapacity);
        }
        WorkerPool<J, R> pool = new WorkerPool<>(resultsCapacity);
        AtomicInteger remaining = new AtomicInteger(workers);
        pool.running.add(workers);
        for (int i = 0; i < workers; i++) {
            WeftThreads.start("worker", () -> {
                try {
                    pool.work(ctx, jobs, limiter, task);
                } finally {
                    // The last worker out closes the results: Go's `wg.Wait(); close(results)`,
                    // without a thread spent waiting.
                    if (remaining.decrementAndGet() == 0) {
                        pool.results.close();
                    }
                    pool.running.done();
                }
            });
        }
        return pool;
    }

    private void work(Context ctx, ReceiveChannel<J> jobs, RateLimiter limiter, Task<? super J, ? extends R> task) {
        try {
            while (true) {
                Received<J> next = jobs.receiveOrClosed(ctx);
                if (next.closed()) {
                    return;
                }
                J job = next.value();
                Result<J, R> result = null;
                if (limiter != null) {
                    try {
                        limiter.await(ctx);
                    } catch (RateLimiter.WaitRefusedException refused) {
                        result = new Result<>(job, null, refused);
                    }
                }
                if (result == null) {
                    result = run(task, job);
                }
                results.send(ctx, result);
            }
        } catch (ContextDoneException | InterruptedException stop) {
            // Cancelled or interrupted: stop, dropping what is in hand. Nobody else owns this
            // thread, so the interrupt has done its job.
        }
    }

    private static <J, R> Result<J, R> run(Task<? super J, ? extends R> task, J job) {
        try {
            return new Result<>(job, task.process(job), null);
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (InterruptedException e) {
            // Keep the interrupt: the worker's next blocking call sees it and the worker stops.
            Thread.currentThread().interrupt();
            return new Result<>(job, null, e);
        } catch (Throwable t) {
            return new Result<>(job, null, t);
        }
    }

    /**
     * The results, in completion order; closed once every worker has finished. Capacity: the
     * number of workers, or the {@code resultsCapacity} given. Receive-only: the pool's last worker closes it, nobody else can.
     *
     * @return the results channel's receiving end
     */
    public ReceiveChannel<Result<J, R>> results() {
        return resultsView;
    }

    /**
     * Blocks until every worker has finished (after which {@link #results()} is closed).
     *
     * @throws InterruptedException if interrupted while waiting
     */
    public void await() throws InterruptedException {
        running.await();
    }

    /**
     * Blocks until every worker has finished or {@code timeout} passes.
     *
     * @param timeout the longest to wait
     * @return true if every worker finished
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean await(Duration timeout) throws InterruptedException {
        return running.await(timeout);
    }
}
