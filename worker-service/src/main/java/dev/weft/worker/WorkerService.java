package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.RateLimiter;
import dev.weft.patterns.Received;
import dev.weft.patterns.Service;
import dev.weft.patterns.WeftThreads;
import dev.weft.patterns.WorkerPool;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * The background worker pool as a supervised {@link Service}: accepted jobs wait in a bounded
 * {@link JobQueue}, an intake thread hands them one at a time to a {@link WorkerPool} of {@code
 * worker.workers} virtual threads (rate-limited by a {@link RateLimiter} when {@code worker.rate}
 * is set), and each job runs its type's {@link JobHandler} under a {@link Context} with the
 * per-attempt deadline {@code worker.job-timeout}. Records of jobs live in a bounded store that
 * drops the earliest finished records first, and a housekeeping ticker expires finished records
 * after {@code worker.retention}.
 *
 * <p><b>Attempts.</b> Each attempt runs the handler on a thread of its own, so that a worker is
 * never held beyond the attempt's deadline: when the deadline passes (or the shutdown budget
 * ends) the attempt's context is cancelled and the handler's thread interrupted, and the worker
 * waits at most {@code abandonGrace} more for it. A handler that ignores both is left behind and
 * its job recorded ABANDONED (Java cannot stop a thread that will not stop; that thread stays
 * alive until the handler returns). A handler failure marked retryable ({@link
 * JobHandler.RetryableJobException}) is tried again after a {@link Backoff} wait, up to {@code
 * worker.max-attempts} attempts; a timeout or any other failure ends the job FAILED. A throwing
 * or hanging handler never kills a worker.
 *
 * <p><b>Shutdown</b> (step 4 of the supervisor contract, {@link #stop(Context)}): intake closes
 * at once (submissions get {@link Rejected} SHUTTING_DOWN → 503); the workers keep draining the
 * queue; when the budget ends, running attempts and backoff waits are cancelled through their
 * context (→ CANCELLED) and jobs still queued are ABANDONED. Every accepted job ends in exactly
 * one terminal state, which is logged, counted and kept in the store; the last line {@code stop}
 * logs gives the count of each. {@code stop} returns false if any job was cancelled or abandoned
 * after it began.
 */
public final class WorkerService implements Service {

    private static final System.Logger LOG = System.getLogger(WorkerService.class.getName());
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** Waits out a backoff; injectable so that tests can observe the waits without waiting. */
    @FunctionalInterface
    public interface Sleeper {
        /**
         * Waits {@code d}, or until {@code ctx} is done.
         *
         * @throws ContextDoneException {@code ctx.err()} if it is done first
         * @throws InterruptedException if interrupted
         */
        void sleep(Context ctx, Duration d) throws InterruptedException;

        /** Real time, cut short by the context. */
        Sleeper REAL = (ctx, d) -> {
            if (ctx.await(d)) {
                throw ctx.err();
            }
        };
    }

    /** What {@link #submit} did with a job. */
    public sealed interface Submission permits Accepted, Rejected { }

    /** Accepted: the job as it was when queued. */
    public record Accepted(Job.Snapshot job) implements Submission { }

    /** Turned away; {@code detail} is written for the client. */
    public record Rejected(Reason reason, String detail) implements Submission { }

    /** Why a submission was rejected: 400, 429 or 503. */
    public enum Reason { INVALID, QUEUE_FULL, SHUTTING_DOWN }

    /** Counts so far. Once stopped: accepted = succeeded + failed + cancelled + abandoned. */
    public record Counts(long accepted, long succeeded, long failed, long cancelled, long abandoned) { }

    private final Builder config;
    private final Map<String, JobHandler> handlers;
    private final JobQueue queue;
    private final JobStore store;
    private final WorkerMetrics metrics;
    private final RateLimiter limiter;

    /**
     * The service's context: parent of every attempt, backoff wait and of the housekeeping
     * ticker. Cancelled when the shutdown budget ends (or at the end of stop, whichever first).
     */
    private final CancelContext lifetime = Context.withCancel(Context.background());
    /**
     * Guards the decision to accept: submit() holds it while it checks {@code closed}, stores and
     * queues the job; stop() holds it to set {@code closed} and close the queue. So no job slips
     * into the queue behind the drain, and no accepted job is missing from the store.
     */
    private final ReentrantLock intake = new ReentrantLock();
    /** Guarded by intake for writes; volatile for the cheap early check in submit(). */
    private volatile boolean closed;
    /** Set when stop() begins: cancellations and abandonments from then on are shutdown losses. */
    private volatile boolean stopping;

    private final int capacity;
    /**
     * Accepted jobs not yet started: in the queue, or in hand between the queue and a worker.
     * Incremented under intake when a job is accepted, decremented exactly once when it leaves
     * QUEUED (Job.start or Job.finish report that), so never above {@link #capacity}. This, not
     * the queue's own size, is the depth clients and readiness see, so the job the intake thread
     * holds for the next free worker still takes a slot.
     */
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    /** Terminal transitions by state; each job adds exactly one (Job.finish is compare-and-set). */
    private final Map<JobState, AtomicLong> ended = new EnumMap<>(JobState.class);
    /** Jobs cancelled or abandoned since stop() began. */
    private final AtomicLong shutdownLosses = new AtomicLong();

    /** Counted down when the last pool worker has finished (the results channel closed). */
    private final CountDownLatch workersDone = new CountDownLatch(1);
    /** Counted down at the end of stop(): what awaitTermination() waits for. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Thread> helpers = new ArrayList<>();
    private volatile boolean started;

    private WorkerService(Builder b) {
        this.config = b;
        this.handlers = Map.copyOf(b.handlers);
        this.queue = b.queue != null ? b.queue : new InMemoryJobQueue(b.queueCapacity);
        this.store = new JobStore(b.storeCapacity);
        this.capacity = queue.capacity();
        this.limiter = b.rate > 0 ? new RateLimiter(b.rate, b.burst) : null;
        for (JobState s : JobState.values()) {
            if (s.terminal()) {
                ended.put(s, new AtomicLong());
            }
        }
        this.metrics = new WorkerMetrics(b.registry, new TreeSet<>(handlers.keySet()), waiting::get, capacity,
                busy::get, b.workers);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "worker";
    }

    @Override
    public void start() {
        // Unbuffered: the intake thread hands a job over only when a worker is free to take it,
        // so waiting jobs stay in the queue, where depth, capacity and the sweep see them.
        Channel<Job> toWorkers = Channel.unbuffered();
        WorkerPool<Job, Void> pool = WorkerPool.start(lifetime, toWorkers, config.workers, limiter, job -> {
            process(job);
            return null;
        });
        helpers.add(WeftThreads.start("worker-intake", () -> feed(toWorkers)));
        helpers.add(WeftThreads.start("worker-results", () -> collect(pool)));
        helpers.add(WeftThreads.start("worker-housekeeping", this::housekeep));
        started = true;
    }

    /**
     * Offers a job without blocking. Thread-safe. An accepted job reaches a terminal state before
     * {@link #stop(Context)} returns.
     *
     * @param type    a registered handler's type
     * @param payload the handler's input; copied
     * @return {@link Accepted}, or {@link Rejected} with the reason
     */
    public Submission submit(String type, JsonNode payload) {
        if (closed) {
            return reject(Reason.SHUTTING_DOWN, "the worker is shutting down; not accepting jobs");
        }
        JobHandler handler = type == null ? null : handlers.get(type);
        if (handler == null) {
            return reject(Reason.INVALID, "unknown job type '" + type + "'; known types: " + new TreeSet<>(handlers.keySet()));
        }
        if (payload == null || !payload.isObject()) {
            return reject(Reason.INVALID, "payload must be a JSON object");
        }
        try {
            handler.validate(payload);
        } catch (JobHandler.InvalidPayloadException e) {
            return reject(Reason.INVALID, "invalid payload for '" + type + "': " + e.getMessage());
        } catch (RuntimeException e) {
            // A handler bug must not turn a bad payload into a 500 with internals.
            LOG.log(Level.WARNING, "handler " + type + " failed to validate a payload", e);
            return reject(Reason.INVALID, "invalid payload for '" + type + "'");
        }
        Job job = new Job(UUID.randomUUID(), type, payload.deepCopy(), config.clock.instant());
        Job.Snapshot queued = job.snapshot();
        intake.lock();
        try {
            if (closed) {
                return reject(Reason.SHUTTING_DOWN, "the worker is shutting down; not accepting jobs");
            }
            if (waiting.get() >= capacity) {
                return reject(Reason.QUEUE_FULL, "the job queue is full (" + capacity + " waiting); retry later");
            }
            if (!store.add(job)) {
                return reject(Reason.QUEUE_FULL, "the job store is full of unfinished jobs; retry later");
            }
            if (!queue.offer(job)) {
                store.remove(job);
                return reject(Reason.QUEUE_FULL, "the job queue is full; retry later");
            }
            waiting.incrementAndGet();
            accepted.incrementAndGet();
        } finally {
            intake.unlock();
        }
        metrics.submitted();
        return new Accepted(queued);
    }

    /** Counts a submission that the HTTP layer refused before it reached {@link #submit}. */
    public void recordInvalid() {
        metrics.rejected(WorkerMetrics.Rejection.INVALID).increment();
    }

    private Rejected reject(Reason reason, String detail) {
        metrics.rejected(WorkerMetrics.Rejection.valueOf(reason.name())).increment();
        return new Rejected(reason, detail);
    }

    /** The job with this id, if the store still holds it. */
    public Optional<Job.Snapshot> job(UUID id) {
        return store.get(id).map(Job::snapshot);
    }

    /** The HTTP routes of the job API, to mount at {@code basePath} (e.g. {@code /api/v1}). */
    public JobRoutes routes(String basePath) {
        return new JobRoutes(this, basePath);
    }

    /** Accepted jobs not yet started (the {@code weft.job.queue.depth} gauge). */
    public int queueDepth() {
        return waiting.get();
    }

    /** Most accepted jobs that may wait to start; more are refused (429). */
    public int queueCapacity() {
        return capacity;
    }

    public Counts counts() {
        return new Counts(accepted.get(), ended.get(JobState.SUCCEEDED).get(), ended.get(JobState.FAILED).get(),
                ended.get(JobState.CANCELLED).get(), ended.get(JobState.ABANDONED).get());
    }

    // ---- the pipeline: queue → intake thread → pool → results ----

    private void feed(Channel<Job> toWorkers) {
        try {
            while (true) {
                Optional<Job> next = queue.take(lifetime);
                if (next.isEmpty()) {
                    return;
                }
                toWorkers.send(lifetime, next.get());
            }
        } catch (ContextDoneException | InterruptedException e) {
            // The budget ended: a job in hand is still QUEUED in the store, and the sweep ends it.
        } finally {
            toWorkers.close();
        }
    }

    private void collect(WorkerPool<Job, Void> pool) {
        try {
            for (WorkerPool.Result<Job, Void> r : pool.results()) {
                if (!r.ok()) {
                    // process() handles every failure itself; this is a bug or a refused rate wait.
                    LOG.log(Level.ERROR, "job " + r.job().id() + " failed outside its handler", r.failure());
                    complete(r.job(), JobState.FAILED, null, "internal error");
                }
            }
        } catch (java.util.concurrent.CancellationException e) {
            // Interrupted: only stop() would, after the pool is gone.
        } finally {
            workersDone.countDown();
        }
    }

    private void housekeep() {
        try {
            while (!lifetime.await(config.housekeepingInterval)) {
                expireFinished();
            }
        } catch (InterruptedException e) {
            // Nobody but stop() interrupts this thread; stop.
        }
    }

    /** Drops finished records older than the retention; what the housekeeping ticker runs. */
    int expireFinished() {
        return store.expire(config.clock.instant().minus(config.retention));
    }

    // ---- one job ----

    private sealed interface Outcome permits Success, Failure, TimedOut, Cancelled, Abandoned { }

    private record Success(JsonNode result) implements Outcome { }

    private record Failure(String message, boolean retryable) implements Outcome { }

    private record TimedOut() implements Outcome { }

    private record Cancelled() implements Outcome { }

    private record Abandoned(String reason) implements Outcome { }

    private void process(Job job) {
        Instant startedAt = config.clock.instant();
        if (!job.start(startedAt)) {
            return;
        }
        waiting.decrementAndGet();
        metrics.queueWait(Duration.between(job.submittedAt(), startedAt));
        busy.incrementAndGet();
        long begin = System.nanoTime();
        try {
            runAttempts(job, handlers.get(job.type()));
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "job " + job.id() + ": worker error", e);
            complete(job, JobState.FAILED, null, "internal error");
        } finally {
            busy.decrementAndGet();
            metrics.duration(job.type()).record(System.nanoTime() - begin, TimeUnit.NANOSECONDS);
        }
    }

    private void runAttempts(Job job, JobHandler handler) {
        while (true) {
            int attempt = job.beginAttempt();
            switch (attempt(job, handler)) {
                case Success s -> {
                    complete(job, JobState.SUCCEEDED, s.result(), null);
                    return;
                }
                case Failure f when f.retryable() && attempt < config.maxAttempts -> {
                    Duration wait = config.backoff.delay(attempt, config.random);
                    LOG.log(Level.DEBUG, "job " + job.id() + " attempt " + attempt + " failed (" + f.message()
                            + "); retrying in " + wait.toMillis() + " ms");
                    try {
                        config.sleeper.sleep(lifetime, wait);
                    } catch (ContextDoneException | InterruptedException e) {
                        complete(job, JobState.CANCELLED, null, "shutdown budget ended while waiting to retry (attempt "
                                + attempt + " failed: " + f.message() + ")");
                        return;
                    }
                }
                case Failure f -> {
                    complete(job, JobState.FAILED, null, f.retryable()
                            ? "failed after " + attempt + " attempts: " + f.message() : f.message());
                    return;
                }
                case TimedOut t -> {
                    complete(job, JobState.FAILED, null, "timed out after " + config.jobTimeout.toMillis() + " ms");
                    return;
                }
                case Cancelled c -> {
                    complete(job, JobState.CANCELLED, null, "shutdown budget ended while running");
                    return;
                }
                case Abandoned a -> {
                    complete(job, JobState.ABANDONED, null, a.reason());
                    return;
                }
            }
        }
    }

    /** One attempt: the handler on its own thread, waited for until the attempt's context is done. */
    private Outcome attempt(Job job, JobHandler handler) {
        CancelContext ctx = Context.withTimeout(lifetime, config.jobTimeout);
        Channel<Outcome> result = Channel.buffered(1);
        Thread runner = WeftThreads.start("job", () -> result.trySend(invoke(handler, ctx, job.payload())));
        try {
            Outcome o;
            try {
                o = result.receive(ctx);
            } catch (ContextDoneException done) {
                Received<Outcome> raced = result.tryReceive();
                if (raced.ok()) {
                    o = raced.value();
                } else {
                    runner.interrupt();
                    o = awaitStopped(result);
                }
            }
            if (o instanceof Failure && ctx.isDone()) {
                // It failed because it was stopped (an InterruptedException, ctx.err()), not on its own.
                return lifetime.isDone() ? new Cancelled() : new TimedOut();
            }
            return o;
        } catch (InterruptedException e) {
            // Nobody interrupts pool workers but a stop gone wrong; treat it as the budget's end.
            // Not restored: the pool owns this thread and would stop it for good.
            runner.interrupt();
            return new Cancelled();
        } finally {
            ctx.cancel();
        }
    }

    private Outcome awaitStopped(Channel<Outcome> result) throws InterruptedException {
        CancelContext grace = Context.withTimeout(Context.background(), config.abandonGrace);
        try {
            Outcome late = result.receive(grace);
            if (late instanceof Success) {
                return late;
            }
            return lifetime.isDone() ? new Cancelled() : new TimedOut();
        } catch (ContextDoneException ignored) {
            return new Abandoned("the handler ignored cancellation and interruption for "
                    + config.abandonGrace.toMillis() + " ms after " + (lifetime.isDone() ? "the shutdown budget ended" : "its timeout")
                    + "; left running");
        } finally {
            grace.cancel();
        }
    }

    private static Outcome invoke(JobHandler handler, Context ctx, JsonNode payload) {
        try {
            JsonNode r = handler.run(ctx, payload);
            return new Success(r == null ? NullNode.getInstance() : r);
        } catch (JobHandler.RetryableJobException e) {
            return new Failure(describe(e), true);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return new Failure(describe(e), false);
        }
    }

    /** Class and message: enough to act on, and never a stack trace. */
    private static String describe(Throwable e) {
        if (e instanceof JobHandler.RetryableJobException && e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** Ends {@code job} in {@code state} unless it already ended; counts and logs it exactly once. */
    private boolean complete(Job job, JobState state, JsonNode result, String error) {
        JobState from = job.finish(state, result, error, config.clock.instant());
        if (from == null) {
            return false;
        }
        if (from == JobState.QUEUED) {
            waiting.decrementAndGet();
        }
        store.finished(job);
        ended.get(state).incrementAndGet();
        metrics.completed(job.type(), state).increment();
        if (stopping && (state == JobState.CANCELLED || state == JobState.ABANDONED)) {
            shutdownLosses.incrementAndGet();
        }
        Level level = state == JobState.SUCCEEDED ? Level.INFO : Level.WARNING;
        LOG.log(level, "job " + job.id() + " " + job.type() + " " + state + (error == null ? "" : ": " + error));
        return true;
    }

    // ---- lifecycle ----

    @Override
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /**
     * Closes intake, drains the queue until {@code budget} ends, then cancels running jobs and
     * abandons queued ones, and logs the count of each terminal state as its last line. Returns
     * false if any job was cancelled or abandoned after this call began.
     */
    @Override
    public boolean stop(Context budget) throws InterruptedException {
        stopping = true;
        intake.lock();
        try {
            closed = true;
            queue.close();
        } finally {
            intake.unlock();
        }
        Context.AfterFunc onBudgetEnd = budget.afterFunc(() -> lifetime.cancel(budget.cause()));
        try {
            if (started) {
                awaitWorkers(budget);
            }
        } finally {
            onBudgetEnd.stop();
            lifetime.cancel();
            for (Job left : queue.drain()) {
                complete(left, JobState.ABANDONED, null, "still queued when the shutdown budget ended");
            }
            for (Job left : store.unfinished()) {
                complete(left, JobState.ABANDONED, null, "unfinished when the shutdown budget ended");
            }
            for (JobHandler h : handlers.values()) {
                try {
                    h.close();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "closing handler " + h.type() + " failed", e);
                }
            }
            for (Thread t : helpers) {
                // They end promptly once lifetime is cancelled: none of them runs handler code.
                t.join(Duration.ofSeconds(1));
            }
            Counts c = counts();
            LOG.log(Level.INFO, String.format("worker stopped: accepted=%d succeeded=%d failed=%d cancelled=%d abandoned=%d",
                    c.accepted(), c.succeeded(), c.failed(), c.cancelled(), c.abandoned()));
            stopped.countDown();
        }
        return shutdownLosses.get() == 0;
    }

    /**
     * Waits until every worker finished, or the budget ended and the workers had the abandon
     * grace (plus a little) to give up on handlers that will not stop.
     */
    private void awaitWorkers(Context budget) throws InterruptedException {
        Optional<Instant> deadline = budget.deadline();
        if (deadline.isEmpty()) {
            workersDone.await();
            return;
        }
        Duration left = Duration.between(Instant.now(), deadline.get());
        Duration bound = (left.isNegative() ? Duration.ZERO : left).plus(config.abandonGrace).plusMillis(200);
        workersDone.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Configuration of the worker; every setter validates its argument. */
    public static final class Builder {
        private int workers = 4;
        private int queueCapacity = 1000;
        private int storeCapacity = 10_000;
        private double rate;
        private int burst = 1;
        private Duration jobTimeout = Duration.ofSeconds(30);
        private int maxAttempts = 3;
        private Duration retention = Duration.ofHours(1);
        private Duration housekeepingInterval;
        private Duration abandonGrace = Duration.ofMillis(500);
        private Backoff backoff = Backoff.defaults();
        private Clock clock = Clock.systemUTC();
        private Sleeper sleeper = Sleeper.REAL;
        private DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        private MeterRegistry registry = new SimpleMeterRegistry();
        private JobQueue queue;
        private final Map<String, JobHandler> handlers = new LinkedHashMap<>();

        private Builder() {
        }

        /** Worker threads ({@code worker.workers}), at least 1. */
        public Builder workers(int n) {
            this.workers = positive(n, "workers");
            return this;
        }

        /** Bound of the default in-memory queue ({@code worker.queue-capacity}). */
        public Builder queueCapacity(int n) {
            this.queueCapacity = positive(n, "queueCapacity");
            return this;
        }

        /** Another {@link JobQueue} instead of the in-memory one; its capacity then applies. */
        public Builder queue(JobQueue queue) {
            this.queue = Objects.requireNonNull(queue);
            return this;
        }

        /** Most job records kept ({@code worker.store-capacity}). */
        public Builder storeCapacity(int n) {
            this.storeCapacity = positive(n, "storeCapacity");
            return this;
        }

        /** Jobs started per second at most ({@code worker.rate}, {@code worker.burst}); rate 0 means no limit. */
        public Builder rateLimit(double rate, int burst) {
            if (!(rate >= 0) || Double.isInfinite(rate) || (rate > 0 && burst < 1)) {
                throw new IllegalArgumentException("need a finite rate >= 0 and burst >= 1, got " + rate + " and " + burst);
            }
            this.rate = rate;
            this.burst = burst;
            return this;
        }

        /** Deadline of each attempt ({@code worker.job-timeout}). */
        public Builder jobTimeout(Duration d) {
            this.jobTimeout = positive(d, "jobTimeout");
            return this;
        }

        /** Most attempts of a job whose failures are retryable ({@code worker.max-attempts}), at least 1. */
        public Builder maxAttempts(int n) {
            this.maxAttempts = positive(n, "maxAttempts");
            return this;
        }

        /** How long finished records are kept ({@code worker.retention}). */
        public Builder retention(Duration d) {
            this.retention = positive(d, "retention");
            return this;
        }

        /** How often the housekeeping ticker runs; by default a quarter of the retention, 1 s to 1 min. */
        public Builder housekeepingInterval(Duration d) {
            this.housekeepingInterval = positive(d, "housekeepingInterval");
            return this;
        }

        /** How long a cancelled handler may take to stop before its job is abandoned. */
        public Builder abandonGrace(Duration d) {
            this.abandonGrace = positive(d, "abandonGrace");
            return this;
        }

        public Builder backoff(Backoff b) {
            this.backoff = Objects.requireNonNull(b);
            return this;
        }

        /** Source of timestamps and of the retention cut-off. */
        public Builder clock(Clock c) {
            this.clock = Objects.requireNonNull(c);
            return this;
        }

        /** What waits out backoffs. */
        public Builder sleeper(Sleeper s) {
            this.sleeper = Objects.requireNonNull(s);
            return this;
        }

        /** Source of backoff jitter, uniform in [0, 1). */
        public Builder random(DoubleSupplier r) {
            this.random = Objects.requireNonNull(r);
            return this;
        }

        public Builder registry(MeterRegistry r) {
            this.registry = Objects.requireNonNull(r);
            return this;
        }

        /** Registers the handler of one job type; a second handler for a type replaces the first. */
        public Builder handler(JobHandler h) {
            if (!TYPE_NAME.matcher(h.type()).matches()) {
                throw new IllegalArgumentException("job type must be 1-64 of A-Za-z0-9_.-: '" + h.type() + "'");
            }
            handlers.put(h.type(), h);
            return this;
        }

        public WorkerService build() {
            if (housekeepingInterval == null) {
                Duration quarter = retention.dividedBy(4);
                housekeepingInterval = quarter.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1)
                        : quarter.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : quarter;
            }
            return new WorkerService(this);
        }

        private static int positive(int n, String what) {
            if (n < 1) {
                throw new IllegalArgumentException(what + " must be at least 1: " + n);
            }
            return n;
        }

        private static Duration positive(Duration d, String what) {
            if (!d.isPositive()) {
                throw new IllegalArgumentException(what + " must be positive: " + d);
            }
            return d;
        }
    }
}
