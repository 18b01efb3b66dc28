package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.Context;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The default {@link JobStore} ({@code worker.store=memory}): records in a bounded map
 * ({@link MemoryRecords}), waiting jobs in a bounded channel ({@link InMemoryJobQueue}), all lost
 * when the process ends. Nothing is shared, so a claim can never be handed back ({@link #release}
 * is false) and a retry waits in place ({@link #retryLater} is false).
 *
 * <p>{@link #add} holds the store's monitor, so that concurrent submissions cannot pass the
 * queue's bound between its check and the add. It is not atomic with {@link #closeClaims()} by
 * itself; the worker orders the two with its intake lock.
 */
final class MemoryJobStore implements JobStore {

    private final MemoryRecords records;
    private final InMemoryJobQueue queue;
    private final Clock clock;
    /**
     * Accepted jobs not yet started: in the queue, or in hand between the queue and a worker.
     * Incremented when a job is added, decremented exactly once when it leaves QUEUED (Job.start
     * or Job.finish report that), so never above the queue's capacity. This, not the queue's own
     * size, is the depth clients and readiness see, so the job the intake thread holds for the
     * next free worker still takes a slot.
     */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Idempotency key → the job it created. Entries whose record is gone are dropped by expire(). */
    private final Map<String, Keyed> keys = new ConcurrentHashMap<>();

    private record Keyed(UUID id, String fingerprint) { }

    MemoryJobStore(int queueCapacity, int storeCapacity, Clock clock) {
        this.records = new MemoryRecords(storeCapacity);
        this.queue = new InMemoryJobQueue(queueCapacity);
        this.clock = clock;
    }

    @Override
    public synchronized Admission add(NewJob n) {
        if (n.idempotency() != null) {
            Keyed seen = keys.get(n.idempotency().key());
            Optional<Job> original = seen == null ? Optional.empty() : records.get(seen.id());
            if (original.isPresent()) {
                return seen.fingerprint().equals(n.idempotency().fingerprint())
                        ? new Duplicate(original.get().snapshot()) : new KeyReused(seen.id());
            }
        }
        if (waiting.get() >= queue.capacity()) {
            return new Full("the job queue is full (" + queue.capacity() + " waiting); retry later");
        }
        Job job = new Job(n.id(), n.type(), n.payload(), clock.instant(), n.traceContext());
        Job.Snapshot queued = job.snapshot();
        if (!records.add(job)) {
            return new Full("the job store is full of unfinished jobs; retry later");
        }
        if (!queue.offer(job)) {
            records.remove(job);
            return new Full("the job queue is full; retry later");
        }
        waiting.incrementAndGet();
        if (n.idempotency() != null) {
            keys.put(n.idempotency().key(), new Keyed(n.id(), n.idempotency().fingerprint()));
        }
        return new Added(queued);
    }

    @Override
    public Optional<Job.Snapshot> get(UUID id) {
        return records.get(id).map(Job::snapshot);
    }

    @Override
    public Optional<Claim> claim(Context ctx) throws InterruptedException {
        return queue.take(ctx).map(MemoryJobStore::claimOf);
    }

    private static Claim claimOf(Job j) {
        return new Claim(j.id(), j.type(), j.payload(), j.submittedAt(), 1, Context.background(), j.traceContext());
    }

    @Override
    public Start start(Claim c) {
        Job job = job(c);
        Instant now = clock.instant();
        if (job == null || !job.start(now)) {
            return null;
        }
        waiting.decrementAndGet();
        return new Start(job.beginAttempt(), now);
    }

    @Override
    public int beginAttempt(Claim c) {
        return job(c).beginAttempt();
    }

    @Override
    public boolean finish(Claim c, JobState state, JsonNode result, String error) {
        Job job = job(c);
        JobState from = job == null ? null : job.finish(state, result, error, clock.instant());
        if (from == null) {
            return false;
        }
        if (from == JobState.QUEUED) {
            waiting.decrementAndGet();
        }
        records.finished(job);
        return true;
    }

    private Job job(Claim c) {
        return records.get(c.id()).orElse(null);
    }

    @Override
    public boolean retryLater(Claim c, Duration delay, String error) {
        return false;
    }

    @Override
    public boolean release(Claim c) {
        return false;
    }

    @Override
    public void closeClaims() {
        queue.close();
    }

    @Override
    public List<Claim> leftBehind() {
        List<Claim> left = new ArrayList<>();
        for (Job j : queue.drain()) {
            left.add(claimOf(j));
        }
        for (Job j : records.unfinished()) {
            left.add(claimOf(j));
        }
        return left;
    }

    @Override
    public int waiting() {
        return waiting.get();
    }

    @Override
    public int capacity() {
        return queue.capacity();
    }

    @Override
    public Map<JobState, Long> countByState() {
        return records.countByState();
    }

    @Override
    public int expire(Duration retention) {
        int removed = records.expire(clock.instant().minus(retention));
        if (removed > 0) {
            keys.values().removeIf(k -> records.get(k.id()).isEmpty());
        }
        return removed;
    }

    /** Records held now; for tests. */
    int size() {
        return records.size();
    }

    static Map<JobState, Long> zeroes() {
        Map<JobState, Long> m = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            m.put(s, 0L);
        }
        return m;
    }
}
