package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.Context;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Where jobs are kept and from where workers claim them: {@link MemoryJobStore} (the default,
 * lost with the process) or {@link PostgresJobStore} (shared by every replica). The worker, the
 * handlers and the HTTP routes see only this contract, so they behave the same on either.
 *
 * <p>All methods are thread-safe. Methods that reach a database throw {@link
 * StoreUnavailableException} when it cannot be reached; the memory store never does.
 *
 * <p>Life of a job: {@link #add} stores it QUEUED; {@link #claim} hands it to one worker of one
 * replica; {@link #start} marks the first attempt of that claim; then exactly one of {@link
 * #finish} (terminal), {@link #retryLater} (the store runs it again after a backoff) or {@link
 * #release} (handed back to the queue, the attempt not counted) ends the claim.
 */
public interface JobStore extends AutoCloseable {

    /**
     * A job to store: its identity and input, the idempotency key it was submitted with, and the
     * trace context of its submitter.
     *
     * @param traceContext the submitting span's W3C propagation headers ({@code traceparent},
     *                     maybe {@code tracestate}; see {@link JobTracing}), or null. Internal:
     *                     kept with the job for its attempts' spans, never shown to clients
     */
    record NewJob(UUID id, String type, JsonNode payload, Idempotency idempotency, Map<String, String> traceContext) {
        /** A job submitted outside any trace. */
        public NewJob(UUID id, String type, JsonNode payload, Idempotency idempotency) {
            this(id, type, payload, idempotency, null);
        }
    }

    /**
     * The {@code Idempotency-Key} of a submission and a fingerprint of its body: a later
     * submission with the same key gets the original job back if its fingerprint is the same.
     */
    record Idempotency(String key, String fingerprint) { }

    /** What {@link #add} did. */
    sealed interface Admission permits Added, Duplicate, KeyReused, Full { }

    /** Stored as a new QUEUED job. */
    record Added(Job.Snapshot job) implements Admission { }

    /** The idempotency key was seen with the same body: the original job, nothing stored. */
    record Duplicate(Job.Snapshot job) implements Admission { }

    /** The idempotency key was seen with a different body; nothing stored. */
    record KeyReused(UUID original) implements Admission { }

    /** No room; {@code detail} is written for the client. */
    record Full(String detail) implements Admission { }

    /**
     * One worker's hold on a job.
     *
     * @param attempt the attempt this claim runs (1-based), counting attempts on every replica
     * @param lease   done when this replica can no longer be sure it holds the job (its lease
     *                could not be renewed): the attempt should stop, since another may take over
     * @param traceContext the submitter's trace context as {@link NewJob#traceContext()} stored it, or null
     */
    record Claim(UUID id, String type, JsonNode payload, Instant submittedAt, int attempt, Context lease,
                 Map<String, String> traceContext) { }

    /** The first attempt of a claim began, at {@code startedAt} (the job's, so the first one ever). */
    record Start(int attempt, Instant startedAt) { }

    /** Prepares the store (a database: connects and migrates). Called once, before anything else. */
    default void open() {
    }

    /** Stores a new QUEUED job if there is room; see {@link Admission}. */
    Admission add(NewJob job);

    /** The job with this id, if the store still holds it. */
    Optional<Job.Snapshot> get(UUID id);

    /**
     * Takes the oldest runnable job for this replica, waiting for one.
     *
     * @return the claim, or empty once {@link #closeClaims()} was called
     * @throws dev.weft.patterns.ContextDoneException if {@code ctx} is done first
     * @throws InterruptedException if interrupted while waiting
     */
    Optional<Claim> claim(Context ctx) throws InterruptedException;

    /**
     * The claim's worker is about to run it.
     *
     * @return the attempt and start time, or null if the job ended meanwhile (the shutdown sweep)
     */
    Start start(Claim c);

    /** Counts one more in-place attempt of a claim (after {@link #retryLater} said false); returns its number. */
    int beginAttempt(Claim c);

    /**
     * Ends the job in terminal state {@code state} if this claim still holds it.
     *
     * @return false, changing nothing, if it already ended or this replica lost its lease
     */
    boolean finish(Claim c, JobState state, JsonNode result, String error);

    /**
     * Hands a job whose attempt failed (retryably) back for another attempt no sooner than
     * {@code delay} from now, the failed attempt counted.
     *
     * @return true if the store took it back; false if this store retries in place, when the
     *     worker waits out the delay itself
     */
    boolean retryLater(Claim c, Duration delay, String error);

    /**
     * Hands a job back to the queue, its current attempt not counted, so that another replica
     * runs it (shutdown).
     *
     * @return true if it did; false if this store cannot (it is not shared), when the caller
     *     ends the job itself
     */
    boolean release(Claim c);

    /** No more claims: {@link #claim} returns empty from now on. Idempotent. */
    void closeClaims();

    /**
     * This replica's jobs that are not finished, for the shutdown sweep once the workers are
     * done: queued jobs the memory store will never run, claims a worker left behind.
     */
    List<Claim> leftBehind();

    /** Jobs waiting to start: on this replica (memory) or in the whole cluster (postgres). */
    int waiting();

    /** Most jobs that may wait at once ({@code worker.queue-capacity}). */
    int capacity();

    /**
     * Jobs by state, all states present (0 when none); cheap enough to call on every scrape. A
     * store may estimate SUCCEEDED for a large table (the postgres store does, from 100,000 rows
     * up: the table's estimated size less the other states, which stay exact).
     */
    Map<JobState, Long> countByState();

    /**
     * Housekeeping: deletes finished records older than {@code retention}, in small batches.
     *
     * @return how many were deleted
     */
    int expire(Duration retention);

    /**
     * Housekeeping: returns jobs whose lease expired (their replica died) to the queue, or
     * fails them when they have no attempts left.
     *
     * @return how many leases were reclaimed
     */
    default int reap() {
        return 0;
    }

    /**
     * How often {@link #reap()} should run at least, so that a dead replica's jobs wait little
     * longer than their lease; empty when the store has no leases.
     */
    default Optional<Duration> reapInterval() {
        return Optional.empty();
    }

    /** Throws, saying why, when the store cannot serve (the {@code worker-store} readiness check). */
    default void check() {
    }

    /** Releases connections and threads; heartbeats stop here, so the worker closes it last. */
    @Override
    default void close() {
    }
}
