package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.RateLimiter;
import dev.weft.patterns.Service;
import dev.weft.patterns.WeftThreads;
import dev.weft.patterns.WorkerPool;
import io.micrometer.core.instrument.MeterRegistry;

import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The background worker pool as a supervised {@link Service}: lifecycle and admission. Accepted
 * jobs are kept in a {@link JobStore} (memory, or PostgreSQL shared by every replica); intake
 * threads, one per worker, claim them one at a time (each first waiting for its turn from a
 * {@link RateLimiter} when {@code worker.rate} is set) for a {@link WorkerPool} of
 * {@code worker.workers} virtual threads, where an {@link AttemptLoop} runs each job's
 * {@link JobHandler}. A housekeeping ticker expires finished
 * records after {@code worker.retention} and reclaims the leases of dead replicas.
 *
 * <p><b>Shutdown</b> (step 4 of the supervisor contract, {@link #stop(Context)}): intake and
 * claiming stop at once (submissions get {@link Rejected} SHUTTING_DOWN → 503); running jobs
 * get the budget; when it ends, running attempts and backoff waits are cancelled through their
 * context. A shared store takes those jobs back (lease released, the attempt not counted) for
 * another replica; the memory store cannot, so they end CANCELLED and jobs still queued are
 * ABANDONED. The store closes last, so heartbeats outlive every running job. The last line
 * {@code stop} logs gives the count of each ending. {@code stop} returns false if any job was
 * cancelled or abandoned after it began.
 */
public final class WorkerService implements Service {

    private static final System.Logger LOG = System.getLogger(WorkerService.class.getName());

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

    /**
     * Accepted: the job as it was when queued.
     *
     * @param replayed true when an earlier submission with the same {@code Idempotency-Key}
     *                 created it, and this one stored nothing
     */
    public record Accepted(Job.Snapshot job, boolean replayed) implements Submission { }

    /** Turned away; {@code detail} is written for the client. */
    public record Rejected(Reason reason, String detail) implements Submission { }

    /** Why a submission was rejected: 400, 422, 429 or 503. */
    public enum Reason { INVALID, KEY_REUSED, QUEUE_FULL, SHUTTING_DOWN, UNAVAILABLE }

    /**
     * Counts of this replica so far. With the memory store, once stopped: accepted = succeeded +
     * failed + cancelled + abandoned. With a shared store a job accepted here may end elsewhere.
     */
    public record Counts(long accepted, long succeeded, long failed, long cancelled, long abandoned) { }

    private final WorkerConfig config;
    private final Map<String, JobHandler> handlers;
    private final JobStore store;
    private final WorkerMetrics metrics;
    private final RateLimiter limiter;
    private final AttemptLoop attempts;
    private final JobTracing tracing;

    /**
     * The service's context: parent of every attempt, backoff wait and of the housekeeping
     * ticker. Cancelled when the shutdown budget ends (or at the end of stop, whichever first).
     */
    private final CancelContext lifetime = Context.withCancel(Context.background());
    /**
     * Done once stop() closed claiming: ends an intake thread's wait for a rate token before its
     * next claim, so that an idle rate-limited service stops at once (the claim then finds nothing).
     */
    private final CancelContext claiming = Context.withCancel(lifetime);
    /** {@link #payBeforeClaim()}'s answer when claiming closed before a token came. */
    private static final long NOT_PAID = Long.MIN_VALUE;
    /**
     * Guards the decision to accept: submit() holds its read lock while it checks {@code closed}
     * and adds the job (submissions run concurrently, each store orders its own adds); stop()
     * holds the write lock to set {@code closed} and close claiming. So no job slips into the
     * memory queue behind the drain, and no accepted job is missing from the store.
     */
    private final ReentrantReadWriteLock intake = new ReentrantReadWriteLock();
    /** Guarded by intake for writes; volatile for the cheap early check in submit(). */
    private volatile boolean closed;
    /** Set when stop() begins: cancellations and abandonments from then on are shutdown losses. */
    private volatile boolean stopping;

    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    /** Terminal transitions by state that this replica made; each job adds at most one. */
    private final Map<JobState, AtomicLong> ended = new EnumMap<>(JobState.class);
    /** Jobs handed back to a shared store at shutdown. */
    private final AtomicLong handedBack = new AtomicLong();
    /** Jobs cancelled or abandoned since stop() began. */
    private final AtomicLong shutdownLosses = new AtomicLong();

    /** Counted down when the last pool worker has finished (the results channel closed). */
    private final CountDownLatch workersDone = new CountDownLatch(1);
    /** Counted down at the end of stop(): what awaitTermination() waits for. */
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Thread> helpers = new ArrayList<>();
    private volatile boolean started;

    WorkerService(WorkerConfig config, Map<String, JobHandler> handlers, JobStore store, MeterRegistry registry,
                  JobTracing tracing) {
        this.config = config;
        this.tracing = tracing;
        this.handlers = handlers;
        this.store = store;
        this.limiter = config.rate() > 0 ? new RateLimiter(config.rate(), config.burst()) : null;
        for (JobState s : JobState.values()) {
            if (s.terminal()) {
                ended.put(s, new AtomicLong());
            }
        }
        this.metrics = new WorkerMetrics(registry, new TreeSet<>(handlers.keySet()), store::waiting, store.capacity(),
                busy::get, config.workers(), store::countByState);
        this.attempts = new AttemptLoop(config, store, lifetime, tracing, new AttemptLoop.Ends() {
            @Override
            public boolean end(JobStore.Claim c, JobState state, JsonNode result, String error) {
                return complete(c, state, result, error);
            }

            @Override
            public void handedBack(JobStore.Claim c) {
                handedBack.incrementAndGet();
                metrics.handedBack();
                LOG.log(Level.INFO, "job " + c.id() + " " + c.type() + " handed back to the store for another replica");
            }
        });
    }

    public static WorkerServiceBuilder builder() {
        return new WorkerServiceBuilder();
    }

    @Override
    public String name() {
        return "worker";
    }

    /** Opens the store (a database: connects and migrates; failing that, start fails), then starts the workers. */
    @Override
    public void start() {
        store.open();
        // Unbuffered: an intake thread claims its next job only once a worker took its last. One
        // intake thread per worker, so that claims (a database round trip each with postgres)
        // overlap instead of queueing behind one another; each holds at most one claim in hand.
        Channel<JobStore.Claim> toWorkers = Channel.unbuffered();
        // The rate limit is paid by the intake threads, before they claim: a worker waiting for a
        // token with a claim in hand would hold a job other replicas could start (payBeforeClaim).
        WorkerPool<JobStore.Claim, Void> pool = WorkerPool.start(lifetime, toWorkers, config.workers(), null, c -> {
            process(c);
            return null;
        });
        AtomicInteger feeders = new AtomicInteger(config.workers());
        for (int i = 0; i < config.workers(); i++) {
            helpers.add(WeftThreads.start("worker-intake", () -> feed(toWorkers, feeders)));
        }
        helpers.add(WeftThreads.start("worker-results", () -> collect(pool)));
        helpers.add(WeftThreads.start("worker-housekeeping", this::housekeep));
        started = true;
    }

    /** {@link #submit(String, JsonNode, String)} without an idempotency key. */
    public Submission submit(String type, JsonNode payload) {
        return submit(type, payload, null);
    }

    /** {@link #submit(String, JsonNode, String, io.opentelemetry.context.Context)} outside any trace. */
    public Submission submit(String type, JsonNode payload, String idempotencyKey) {
        return submit(type, payload, idempotencyKey, null);
    }

    /**
     * Offers a job without blocking (beyond one round trip to a database store). Thread-safe. An
     * accepted job reaches a terminal state, here or on another replica.
     *
     * @param type           a registered handler's type
     * @param payload        the handler's input; copied
     * @param idempotencyKey the client's {@code Idempotency-Key}, or null
     * @param submitter      the trace context of the submitting request, or null: with tracing on,
     *                       its span is kept with the job and each attempt's span links to it
     * @return {@link Accepted}, or {@link Rejected} with the reason
     */
    public Submission submit(String type, JsonNode payload, String idempotencyKey, io.opentelemetry.context.Context submitter) {
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
        if (Payloads.containsNul(payload)) {
            // PostgreSQL text cannot hold U+0000; refused in every store so that both behave alike.
            return reject(Reason.INVALID, "payload strings and field names must not contain U+0000");
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
        JobStore.Idempotency idem = idempotencyKey == null ? null
                : new JobStore.Idempotency(idempotencyKey, fingerprint(type, payload));
        JobStore.NewJob job = new JobStore.NewJob(UUID.randomUUID(), type, payload.deepCopy(), idem,
                tracing.capture(submitter));
        JobStore.Admission admission;
        intake.readLock().lock();
        try {
            if (closed) {
                return reject(Reason.SHUTTING_DOWN, "the worker is shutting down; not accepting jobs");
            }
            admission = store.add(job);
            if (admission instanceof JobStore.Added) {
                accepted.incrementAndGet();
            }
        } catch (StoreUnavailableException e) {
            return reject(Reason.UNAVAILABLE, "the job store is unavailable; retry later");
        } finally {
            intake.readLock().unlock();
        }
        return switch (admission) {
            case JobStore.Added a -> {
                metrics.submitted();
                yield new Accepted(a.job(), false);
            }
            case JobStore.Duplicate d -> new Accepted(d.job(), true);
            case JobStore.KeyReused k -> reject(Reason.KEY_REUSED, "Idempotency-Key '" + idempotencyKey
                    + "' was used for job " + k.original() + " with a different request body");
            case JobStore.Full f -> reject(Reason.QUEUE_FULL, f.detail());
        };
    }

    /** Same type and payload, same fingerprint: what makes a reused Idempotency-Key a replay. */
    private static String fingerprint(String type, JsonNode payload) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(type.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(payload.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Counts a submission that the HTTP layer refused before it reached {@link #submit}. */
    public void recordInvalid() {
        metrics.rejected(WorkerMetrics.Rejection.INVALID).increment();
    }

    private Rejected reject(Reason reason, String detail) {
        metrics.rejected(WorkerMetrics.Rejection.valueOf(reason.name())).increment();
        return new Rejected(reason, detail);
    }

    /**
     * The job with this id, if the store still holds it.
     *
     * @throws StoreUnavailableException if the store cannot be reached
     */
    public Optional<Job.Snapshot> job(UUID id) {
        return store.get(id);
    }

    /** The HTTP routes of the job API, to mount at {@code basePath} (e.g. {@code /api/v1}). */
    public JobRoutes routes(String basePath) {
        return new JobRoutes(this, basePath);
    }

    /** Accepted jobs not yet started (the {@code weft.job.queue.depth} gauge); cluster-wide with a shared store. */
    public int queueDepth() {
        return store.waiting();
    }

    /** Most accepted jobs that may wait to start; more are refused (429). */
    public int queueCapacity() {
        return store.capacity();
    }

    /** The {@code worker-store} readiness check: throws, saying why, while the store cannot serve. */
    public void checkStore() {
        store.check();
    }

    public Counts counts() {
        return new Counts(accepted.get(), ended.get(JobState.SUCCEEDED).get(), ended.get(JobState.FAILED).get(),
                ended.get(JobState.CANCELLED).get(), ended.get(JobState.ABANDONED).get());
    }

    /** Jobs this replica handed back to a shared store at shutdown. */
    public long handedBack() {
        return handedBack.get();
    }

    // ---- the pipeline: store → intake thread → pool → results ----

    /** One intake thread: claims and hands over until claiming ends; the last one out closes the channel. */
    private void feed(Channel<JobStore.Claim> toWorkers, AtomicInteger feeders) {
        try {
            while (true) {
                long paidAt = limiter == null ? 0 : payBeforeClaim();
                Optional<JobStore.Claim> next = store.claim(lifetime);
                if (next.isEmpty()) {
                    return;
                }
                if (limiter != null && (paidAt == NOT_PAID || outlivedByTheBucket(paidAt))) {
                    limiter.await(lifetime);
                }
                toWorkers.send(lifetime, next.get());
            }
        } catch (ContextDoneException | InterruptedException e) {
            // The budget ended: a claim in hand is swept by stop().
        } finally {
            if (feeders.decrementAndGet() == 0) {
                toWorkers.close();
            }
        }
    }

    /**
     * Waits for the token of the next job start before claiming it, so that a rate-limited
     * replica holds no claimed job it may not start yet (with a shared store, one that idle
     * replicas could run). Returns when it was paid, or {@link #NOT_PAID} if stop() closed
     * claiming first; the caller then pays after its claim, if it gets one.
     */
    private long payBeforeClaim() throws InterruptedException {
        try {
            limiter.await(claiming);
            return System.nanoTime();
        } catch (ContextDoneException e) {
            if (lifetime.isDone()) {
                throw e;
            }
            return NOT_PAID;
        }
    }

    /**
     * Whether a token paid at {@code paidAt} (before a claim that then waited for work) is stale:
     * the bucket has had time to refill completely since, so it no longer counts that token as
     * spent, and starting on it would let more than the burst start at once after an idle spell.
     */
    private boolean outlivedByTheBucket(long paidAt) {
        return System.nanoTime() - paidAt >= limiter.fillTime().toNanos();
    }

    private void collect(WorkerPool<JobStore.Claim, Void> pool) {
        try {
            for (WorkerPool.Result<JobStore.Claim, Void> r : pool.results()) {
                if (!r.ok()) {
                    // process() handles every failure itself: this is a bug.
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
            while (!lifetime.await(config.housekeepingInterval())) {
                housekeepOnce();
            }
        } catch (InterruptedException e) {
            // Nobody but stop() interrupts this thread; stop.
        }
    }

    /** One housekeeping round: expiry, then the reaper. A store that is down is tried again next round. */
    void housekeepOnce() {
        try {
            expireFinished();
            int reclaimed = store.reap();
            if (reclaimed > 0) {
                metrics.leasesReclaimed(reclaimed);
                LOG.log(Level.WARNING, "reclaimed " + reclaimed + " job lease(s) that expired (their replica stopped heartbeating)");
            }
        } catch (StoreUnavailableException e) {
            LOG.log(Level.WARNING, "housekeeping skipped: " + e.getMessage());
        }
    }

    /** Drops finished records older than the retention; returns how many. */
    int expireFinished() {
        return store.expire(config.retention());
    }

    private void process(JobStore.Claim c) {
        JobStore.Start start = store.start(c);
        if (start == null) {
            return;
        }
        if (start.attempt() == 1) {
            metrics.queueWait(Duration.between(c.submittedAt(), start.startedAt()));
        }
        busy.incrementAndGet();
        long begin = System.nanoTime();
        try {
            attempts.run(c, handlers.get(c.type()), start.attempt());
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "job " + c.id() + ": worker error", e);
            complete(c, JobState.FAILED, null, "internal error");
        } finally {
            busy.decrementAndGet();
            metrics.duration(c.type()).record(System.nanoTime() - begin, TimeUnit.NANOSECONDS);
        }
    }

    /** Ends the job in {@code state} unless it already ended; counts and logs it exactly once. */
    private boolean complete(JobStore.Claim c, JobState state, JsonNode result, String error) {
        if (!store.finish(c, state, result, error)) {
            return false;
        }
        ended.get(state).incrementAndGet();
        metrics.completed(c.type(), state).increment();
        if (stopping && (state == JobState.CANCELLED || state == JobState.ABANDONED)) {
            shutdownLosses.incrementAndGet();
        }
        Level level = state == JobState.SUCCEEDED ? Level.INFO : Level.WARNING;
        LOG.log(level, "job " + c.id() + " " + c.type() + " " + state + (error == null ? "" : ": " + error));
        return true;
    }

    // ---- lifecycle ----

    @Override
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops intake and claiming, lets running jobs finish until {@code budget} ends, then cancels
     * them (handing them back to a shared store), sweeps what is left, closes the store last, and
     * logs the count of each ending as its last line. Returns false if any job was cancelled or
     * abandoned after this call began.
     */
    @Override
    public boolean stop(Context budget) throws InterruptedException {
        stopping = true;
        intake.writeLock().lock();
        try {
            closed = true;
            store.closeClaims();
            claiming.cancel();
        } finally {
            intake.writeLock().unlock();
        }
        Context.AfterFunc onBudgetEnd = budget.afterFunc(() -> lifetime.cancel(budget.cause()));
        try {
            if (started) {
                awaitWorkers(budget);
            }
        } finally {
            onBudgetEnd.stop();
            lifetime.cancel();
            sweep();
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
            store.close();
            Counts c = counts();
            LOG.log(Level.INFO, String.format("worker stopped: accepted=%d succeeded=%d failed=%d cancelled=%d abandoned=%d handed-back=%d",
                    c.accepted(), c.succeeded(), c.failed(), c.cancelled(), c.abandoned(), handedBack.get()));
            stopped.countDown();
        }
        return shutdownLosses.get() == 0;
    }

    /** Hands back or abandons what this replica still holds once its workers are done. */
    private void sweep() {
        for (JobStore.Claim left : store.leftBehind()) {
            if (store.release(left)) {
                handedBack.incrementAndGet();
                metrics.handedBack();
                continue;
            }
            boolean queued = store.get(left.id()).map(j -> j.state() == JobState.QUEUED).orElse(false);
            complete(left, JobState.ABANDONED, null, queued ? "still queued when the shutdown budget ended"
                    : "unfinished when the shutdown budget ended");
        }
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
        Duration bound = (left.isNegative() ? Duration.ZERO : left).plus(config.abandonGrace()).plusMillis(200);
        workersDone.await(bound.toNanos(), TimeUnit.NANOSECONDS);
    }
}
